package app

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var (
	typeOfConfig   = reflect.TypeOf(Config{})
	typeOfDuration = reflect.TypeOf(time.Duration(0))
)

// yamlFields maps a struct type's YAML keys to its fields.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f
	}
	return out
}

// checkKeys walks n against type t: every mapping key must be a key of the
// struct it decodes into. seen gets every key's path and line.
func checkKeys(n *yaml.Node, t reflect.Type, path string, seen func(path string, line int)) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch t.Kind() {
	case reflect.Struct:
		if t == typeOfDuration || n.Kind != yaml.MappingNode {
			return nil // a type error, reported with its line by Decode
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			f, ok := fields[k.Value]
			if !ok {
				known := make([]string, 0, len(fields))
				for name := range fields {
					known = append(known, name)
				}
				sort.Strings(known)
				return fmt.Errorf("line %d: %s: unknown key (known here: %s)", k.Line, p, strings.Join(known, ", "))
			}
			seen(p, k.Line)
			if err := checkKeys(v, f.Type, p, seen); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return nil
		}
		for i, e := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			seen(p, e.Line)
			if err := checkKeys(e, t.Elem(), p, seen); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			seen(p, k.Line)
			if err := checkKeys(v, t.Elem(), p, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// EnvPrefix starts every environment variable that sets a key.
const EnvPrefix = "VOXDIAL_"

// legacyEnv are the variables voxdial read before the config file had these
// keys; the canonical name wins when both are set.
var legacyEnv = map[string]string{
	"store.url":         "VOXDIAL_DATABASE_URL",
	"cluster.redis_url": "VOXDIAL_REDIS_URL",
	"runner.data_dir":   "VOXDIAL_DATA_DIR",
}

// EnvName is the environment variable of the key at path: VOXDIAL_ and the
// path in capitals with dots as underscores (http.listen → VOXDIAL_HTTP_LISTEN).
func EnvName(path string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

// envKey is one key the environment can set.
type envKey struct {
	path string
	v    reflect.Value
}

// envKeys lists the scalar keys (and lists of strings) of v: the ones the
// environment can set. Trunks and per-locale maps are set in the file only.
func envKeys(v reflect.Value, path string, out []envKey) []envKey {
	t := v.Type()
	for name, f := range yamlFields(t) {
		fv := v.FieldByIndex(f.Index)
		p := join(path, name)
		switch {
		case f.Type == typeOfDuration:
			out = append(out, envKey{p, fv})
		case f.Type.Kind() == reflect.Struct:
			out = envKeys(fv, p, out)
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
			out = append(out, envKey{p, fv})
		case f.Type.Kind() == reflect.String, f.Type.Kind() == reflect.Bool, f.Type.Kind() == reflect.Int, f.Type.Kind() == reflect.Float64:
			out = append(out, envKey{p, fv})
		}
	}
	return out
}

// EnvKeys are the paths of the keys the environment can set, sorted.
func EnvKeys() []string {
	c := Defaults()
	keys := envKeys(reflect.ValueOf(&c).Elem(), "", nil)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k.path)
	}
	sort.Strings(out)
	return out
}

// ApplyEnv sets every key whose environment variable is set (see EnvName;
// lists are comma-separated; VOXDIAL_DATABASE_URL and VOXDIAL_REDIS_URL are
// read too, for store.url and cluster.redis_url). An empty value sets the key
// to zero, which means its default.
func (c *Config) ApplyEnv(lookup func(string) (string, bool)) error {
	keys := envKeys(reflect.ValueOf(c).Elem(), "", nil)
	sort.Slice(keys, func(i, j int) bool { return keys[i].path < keys[j].path })
	for _, k := range keys {
		name := EnvName(k.path)
		raw, ok := lookup(name)
		if !ok {
			if legacy := legacyEnv[k.path]; legacy != "" {
				if raw, ok = lookup(legacy); ok && raw == "" {
					ok = false // an empty legacy variable never meant anything
				}
				name = legacy
			}
		}
		if !ok {
			continue
		}
		if err := setScalar(k.v, raw); err != nil {
			return fmt.Errorf("env %s=%q: %w", name, raw, err)
		}
		c.SetOrigin(k.path, "env "+name)
	}
	return nil
}

func setScalar(v reflect.Value, raw string) error {
	raw = strings.TrimSpace(raw)
	switch {
	case v.Type() == typeOfDuration:
		if raw == "" {
			v.SetInt(0)
			return nil
		}
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("not a duration such as 30s or 10m")
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(raw)
	case v.Kind() == reflect.Bool:
		if raw == "" {
			v.SetBool(false)
			return nil
		}
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int:
		if raw == "" {
			v.SetInt(0)
			return nil
		}
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		v.SetInt(int64(n))
	case v.Kind() == reflect.Float64:
		if raw == "" {
			v.SetFloat(0)
			return nil
		}
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return fmt.Errorf("not a number")
		}
		v.SetFloat(f)
	case v.Kind() == reflect.Slice:
		var items []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		v.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}
