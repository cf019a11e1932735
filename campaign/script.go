package campaign

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/voxdial/voxdial/voicebot"
	"github.com/voxdial/voxdial/voicebot/field"
)

// ScriptRequires reads the `requires:` list (the contact fields a script
// needs, with their types: package voicebot/field) from a script file, in
// the stored form of field.Spec.String ("due_date:date"). Step scripts and
// built-in scripts (asset:NAME) have none. Only that key is read:
// validating the rest of the script is the voice-bot package's job.
func ScriptRequires(path string) ([]string, error) {
	if path == "" || strings.HasPrefix(path, "asset:") {
		return nil, nil
	}
	data, err := voicebot.ReadScript(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Requires yaml.Node `yaml:"requires"`
	}
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("script %s: %w", path, err)
	}
	if doc.Requires.Kind == 0 {
		return nil, nil
	}
	specs, issues := field.FromYAML(&doc.Requires)
	if len(issues) > 0 {
		is := issues[0]
		return nil, fmt.Errorf("script %s:%d: %s: %s", path, is.Line, is.Field, is.Message)
	}
	return field.Strings(specs), nil
}
