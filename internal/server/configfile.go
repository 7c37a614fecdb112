package server

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// configFlag names the YAML file of settings: `distlock serve --config distlock.yaml`.
const configFlag = "config"

// applyConfigFile defines --config on fs and, when args or the environment name a
// file, sets every flag the file names, before the environment and the command line
// are applied: a variable or a flag overrides the file, as a flag overrides its
// variable. The file is a YAML mapping whose keys are the flag names and whose values
// are what the flag takes (a list for a comma-separated flag):
//
//	listen: ":8080"
//	redis: redis://distlock:PASSWORD@10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379
//	max-ttl: 2m
//	cors-origins: [https://app.example, https://admin.example]
//
// A key that is no flag is an error naming it, so a typo is not silently ignored.
func applyConfigFile(fs *flag.FlagSet, args []string, lookupEnv func(string) (string, bool)) error {
	fs.String(configFlag, "", "YAML `file` of settings named as these flags (max-ttl: 2m); environment variables and flags override it")
	path := configPath(args, lookupEnv)
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	var settings map[string]any
	if err := yaml.Unmarshal(b, &settings); err != nil {
		return fmt.Errorf("--config %s: %w", path, err)
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var errs []error
	for _, k := range keys {
		if k == configFlag || fs.Lookup(k) == nil {
			errs = append(errs, fmt.Errorf("--config %s: %q is not a setting (settings are the flags of `distlock serve -h`, without --)", path, k))
			continue
		}
		v, err := settingValue(settings[k])
		if err != nil {
			errs = append(errs, fmt.Errorf("--config %s: %s: %w", path, k, err))
		} else if err := fs.Set(k, v); err != nil {
			errs = append(errs, fmt.Errorf("--config %s: %s: %q: %w", path, k, v, err))
		}
	}
	return errors.Join(errs...)
}

// configPath returns the file named by --config on the command line, else by
// DISTLOCK_CONFIG, else "".
func configPath(args []string, lookupEnv func(string) (string, bool)) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != configFlag {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	if v, ok := lookupEnv(envName(configFlag)); ok {
		return v
	}
	return ""
}

// settingValue renders a YAML value as the flag's text: a list is comma-separated.
func settingValue(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool, int, float64:
		return fmt.Sprint(v), nil
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			s, err := settingValue(e)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	return "", fmt.Errorf("a %T is not a setting's value", v)
}
