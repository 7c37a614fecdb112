package main

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/pluginpb"
)

// optionName is the file option that carries a policy.
const optionName = "distlock.v1.client_policy"

// policy is the value of one file's client_policy option, in the order of its fields.
type policy struct {
	source string // the .proto file, e.g. distlock/v1/policy.proto
	rules  []rule
}

// rule is one field of the policy: a number or a list of codes.
type rule struct {
	name  string   // the proto field name, e.g. min_ttl_ms
	doc   []string // the field's leading comment, a line per element, without markers
	value uint32   // for numbers
	codes []string // for repeated string fields
	list  bool
}

// connectCodes are the codes a policy may name, in Connect's lower_snake spelling.
var connectCodes = map[string]bool{
	"canceled": true, "unknown": true, "invalid_argument": true, "deadline_exceeded": true,
	"not_found": true, "already_exists": true, "permission_denied": true,
	"resource_exhausted": true, "failed_precondition": true, "aborted": true,
	"out_of_range": true, "unimplemented": true, "internal": true, "unavailable": true,
	"data_loss": true, "unauthenticated": true,
}

// readPolicies finds the client_policy option of each file to generate.
func readPolicies(req *pluginpb.CodeGeneratorRequest) ([]*policy, error) {
	files, err := protodesc.NewFiles(&descriptorpb.FileDescriptorSet{File: req.GetProtoFile()})
	if err != nil {
		return nil, err
	}
	d, err := files.FindDescriptorByName(optionName)
	if err != nil {
		// No file of this run declares the option: nothing to generate.
		return nil, nil
	}
	xt := dynamicpb.NewExtensionType(d.(protoreflect.ExtensionDescriptor))
	types := new(protoregistry.Types)
	if err := types.RegisterExtension(xt); err != nil {
		return nil, err
	}
	var out []*policy
	for _, name := range req.GetFileToGenerate() {
		fd, err := files.FindFileByPath(name)
		if err != nil {
			return nil, err
		}
		// The option arrives as an unknown field of FileOptions: decode it again with a
		// resolver that knows the extension.
		raw, err := proto.Marshal(fd.Options())
		if err != nil {
			return nil, err
		}
		opts := new(descriptorpb.FileOptions)
		if err := (proto.UnmarshalOptions{Resolver: types}).Unmarshal(raw, opts); err != nil {
			return nil, err
		}
		// Found by name: the descriptor the resolver decoded with is not the one xt holds,
		// so proto.HasExtension(opts, xt) reports false.
		var msg protoreflect.Message
		opts.ProtoReflect().Range(func(f protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			if f.IsExtension() && f.FullName() == optionName {
				msg = v.Message()
			}
			return msg == nil
		})
		if msg == nil {
			continue
		}
		p, err := readPolicy(name, msg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func readPolicy(source string, msg protoreflect.Message) (*policy, error) {
	p := &policy{source: source}
	fields := msg.Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		r := rule{name: string(f.Name()), doc: leadingComment(f)}
		switch {
		case f.IsList() && f.Kind() == protoreflect.StringKind:
			r.list = true
			l := msg.Get(f).List()
			for j := range l.Len() {
				code := l.Get(j).String()
				if !connectCodes[code] {
					return nil, fmt.Errorf("%s: %q is not a Connect code", r.name, code)
				}
				r.codes = append(r.codes, code)
			}
			if len(r.codes) == 0 {
				return nil, fmt.Errorf("%s is empty", r.name)
			}
		case f.Kind() == protoreflect.Uint32Kind && !f.IsList():
			r.value = uint32(msg.Get(f).Uint())
			if r.value == 0 {
				return nil, fmt.Errorf("%s is not set", r.name)
			}
		default:
			return nil, fmt.Errorf("%s: only uint32 and repeated string fields are supported", r.name)
		}
		p.rules = append(p.rules, r)
	}
	return p, nil
}

// leadingComment is the comment above a field, one line per element.
func leadingComment(f protoreflect.FieldDescriptor) []string {
	loc := f.ParentFile().SourceLocations().ByDescriptor(f)
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(loc.LeadingComments), "\n") {
		lines = append(lines, strings.TrimSpace(l))
	}
	return lines
}

// words splits a field name at underscores: min_ttl_ms -> [min ttl ms].
func (r rule) words() []string { return strings.Split(r.name, "_") }

// isDuration reports whether the rule is a duration in milliseconds.
func (r rule) isDuration() bool { return strings.HasSuffix(r.name, "_ms") }

// base is the name without its unit suffix.
func (r rule) base() []string {
	w := r.words()
	if r.isDuration() {
		return w[:len(w)-1]
	}
	return w
}
