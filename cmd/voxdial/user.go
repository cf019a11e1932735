package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/store"
)

// newUserCmd is `voxdial user add|list|disable|token`: dashboard users.
func newUserCmd() *cobra.Command {
	var dbURL string
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage dashboard users and API tokens",
		Long: `Dashboard users have one role: admin (everything), marketing and collections
(create campaigns and manage their own), compliance (reads everything, edits DNC and
consent), manager (reads everything, changes nothing, sees masked numbers).
Every change is recorded in the admin audit log.`,
	}
	cmd.PersistentFlags().StringVar(&dbURL, "database-url", "", "database: postgres://… or sqlite:PATH (default $VOXDIAL_DATABASE_URL, else "+defaultDatabaseURL+")")
	db := func(cmd *cobra.Command) (*store.DB, error) { return openStore(cmd.Context(), dbURL, true) }
	cmd.AddCommand(newUserAddCmd(db), newUserListCmd(db), newUserDisableCmd(db), newUserTokenCmd(db))
	return cmd
}

// cliActor names the operator in the admin audit log.
func cliActor() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

func cliAudit(cmd *cobra.Command, d *store.DB, action, target string, detail any) {
	_ = d.AdminAuditAppend(cmd.Context(), &store.AdminAuditAppendParams{Actor: cliActor(), Action: action, Target: target, Detail: detail})
}

// readPassword reads the first line of r (stdin or --password-file).
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func newUserAddCmd(db dbFunc) *cobra.Command {
	var role, passwordFile string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "add <name> --role ROLE [--password-file FILE]",
		Short: "Add a user (the password is read from the first line of stdin or --password-file)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := cmd.InOrStdin()
			if passwordFile != "" {
				f, err := os.Open(passwordFile)
				if err != nil {
					return usageErr("--password-file: %v", err)
				}
				defer f.Close()
				in = f
			} else if isTerminal(in) {
				fmt.Fprint(cmd.ErrOrStderr(), "password (shown as typed): ")
			}
			pw, err := readPassword(in)
			if err != nil {
				return usageErr("read password: %v", err)
			}
			d, err := db(cmd)
			if err != nil {
				return err
			}
			defer d.Close()
			u, err := dashboard.UserAdd(cmd.Context(), d, args[0], role, pw, 0)
			switch {
			case errors.Is(err, store.ErrConflict):
				return usageErr("user %q already exists", args[0])
			case errors.Is(err, store.ErrInvalidParams):
				return usageErr("%v", err)
			case err != nil:
				return failureErr(err)
			}
			cliAudit(cmd, d, "user_add", u.Name, map[string]string{"role": u.Role})
			if jsonOut {
				return printJSON(cmd.OutOrStdout(), u)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %q added (%s)\n", u.Name, u.Role)
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "admin | marketing | collections | compliance | manager")
	cmd.Flags().StringVar(&passwordFile, "password-file", "", "read the password from this file's first line")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the user as one JSON document")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

func newUserListCmd(db dbFunc) *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := db(cmd)
			if err != nil {
				return err
			}
			defer d.Close()
			us, err := d.UserList(cmd.Context())
			if err != nil {
				return failureErr(err)
			}
			if jsonOut {
				return printJSON(cmd.OutOrStdout(), map[string]any{"users": us})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tROLE\tDISABLED\tCREATED")
			for _, u := range us {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t%s\n", u.ID, u.Name, u.Role, u.Disabled, u.CreatedAt.Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print one JSON document")
	return cmd
}

func findUser(cmd *cobra.Command, d *store.DB, name string) (*store.User, error) {
	u, err := d.UserGet(cmd.Context(), &store.UserGetParams{Name: name})
	if errors.Is(err, store.ErrNotFound) {
		return nil, usageErr("user %q: no such user (voxdial user list)", name)
	}
	if err != nil {
		return nil, failureErr(err)
	}
	return u, nil
}

func newUserDisableCmd(db dbFunc) *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "disable <name>",
		Short: "Disable a user: sessions end, tokens stop working",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := db(cmd)
			if err != nil {
				return err
			}
			defer d.Close()
			u, err := findUser(cmd, d, args[0])
			if err != nil {
				return err
			}
			yes := true
			if u, err = d.UserUpdate(cmd.Context(), &store.UserUpdateParams{ID: u.ID, Disabled: &yes}); err != nil {
				return failureErr(err)
			}
			cliAudit(cmd, d, "user_disable", u.Name, nil)
			if jsonOut {
				return printJSON(cmd.OutOrStdout(), u)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %q disabled\n", u.Name)
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the user as one JSON document")
	return cmd
}

func newUserTokenCmd(db dbFunc) *cobra.Command {
	var name string
	var ttl time.Duration
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "token <user> [--name NAME] [--ttl 720h]",
		Short: "Issue an API token for a user (printed once; only its hash is stored)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := db(cmd)
			if err != nil {
				return err
			}
			defer d.Close()
			u, err := findUser(cmd, d, args[0])
			if err != nil {
				return err
			}
			if u.Disabled {
				return usageErr("user %q is disabled", u.Name)
			}
			secret, t, err := dashboard.TokenIssue(cmd.Context(), d, u.ID, name, ttl)
			if err != nil {
				return failureErr(err)
			}
			cliAudit(cmd, d, "token_create", u.Name, map[string]any{"token_id": t.ID, "name": t.Name})
			if jsonOut {
				return printJSON(cmd.OutOrStdout(), map[string]any{"token": t, "secret": secret})
			}
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			fmt.Fprintf(cmd.ErrOrStderr(), "token %d for %q (send it as Authorization: Bearer …; it is not shown again)\n", t.ID, u.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "what the token is for")
	cmd.Flags().DurationVar(&ttl, "ttl", 0, "lifetime (0: never expires)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the token and its secret as one JSON document")
	return cmd
}
