// SPDX-License-Identifier: GPL-2.0-or-later

// The admission policy (admission-policy.yaml) as an API server would
// apply it: its CEL expressions compiled and evaluated with cel-go on
// sample pods, and its binding's namespace selector evaluated with the
// label selector's rules, so that a wrong expression or selector fails
// here and not on a cluster.  The API server's CEL environment has more
// libraries than the one here; the expressions use only the standard
// macros and string functions, which both have.
package deploy

import (
	"errors"
	"io"
	"os"
	"testing"

	"github.com/google/cel-go/cel"
	"gopkg.in/yaml.v3"
)

type doc = map[string]interface{}

func get(d interface{}, path ...string) interface{} {
	for _, k := range path {
		m, ok := d.(doc)
		if !ok {
			return nil
		}
		d = m[k]
	}
	return d
}

func load(t *testing.T) (policy, binding doc) {
	f, err := os.Open("admission-policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	for {
		var d doc
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch d["kind"] {
		case "ValidatingAdmissionPolicy":
			policy = d
		case "ValidatingAdmissionPolicyBinding":
			binding = d
		}
	}
	if policy == nil || binding == nil {
		t.Fatal("admission-policy.yaml lacks the policy or its binding")
	}
	return policy, binding
}

// admits: every validation of the policy is true for the pod.
func admits(t *testing.T, policy doc, pod doc) bool {
	env, err := cel.NewEnv(
		cel.Variable("object", cel.DynType), cel.Variable("oldObject", cel.DynType),
		cel.Variable("request", cel.DynType), cel.Variable("params", cel.DynType),
		cel.Variable("namespaceObject", cel.DynType), cel.Variable("variables", cel.DynType))
	if err != nil {
		t.Fatal(err)
	}
	vals, _ := get(policy, "spec", "validations").([]interface{})
	if len(vals) == 0 {
		t.Fatal("the policy has no validations")
	}
	for _, v := range vals {
		expr, _ := get(v, "expression").(string)
		if msg, _ := get(v, "message").(string); msg == "" {
			t.Errorf("validation %q has no message", expr)
		}
		ast, iss := env.Compile(expr)
		if iss.Err() != nil {
			t.Fatalf("expression %q: %v", expr, iss.Err())
		}
		if ast.OutputType() != cel.BoolType {
			t.Fatalf("expression %q is of type %v, not bool", expr, ast.OutputType())
		}
		prg, err := env.Program(ast)
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := prg.Eval(map[string]interface{}{"object": pod, "oldObject": nil,
			"request": doc{}, "params": nil, "namespaceObject": doc{}, "variables": doc{}})
		if err != nil {
			t.Fatalf("expression %q on %v: %v", expr, pod, err)
		}
		if out.Value() != true {
			return false
		}
	}
	return true
}

// selects: the binding's namespaceSelector matches a namespace with these
// labels (matchLabels and matchExpressions, as metav1.LabelSelector).
func selects(t *testing.T, binding doc, labels map[string]string) bool {
	sel := get(binding, "spec", "matchResources", "namespaceSelector")
	if sel == nil {
		return true
	}
	ml, _ := get(sel, "matchLabels").(doc)
	for k, v := range ml {
		if labels[k] != v {
			return false
		}
	}
	exprs, _ := get(sel, "matchExpressions").([]interface{})
	for _, e := range exprs {
		key, _ := get(e, "key").(string)
		op, _ := get(e, "operator").(string)
		vals, _ := get(e, "values").([]interface{})
		v, has := labels[key]
		in := false
		for _, x := range vals {
			in = in || (has && x == v)
		}
		switch op {
		case "In":
			if !in {
				return false
			}
		case "NotIn":
			if in {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		default:
			t.Fatalf("operator %q", op)
		}
	}
	return true
}

func pod(annotations map[string]interface{}) doc {
	meta := doc{"name": "p", "namespace": "ns"}
	if annotations != nil {
		meta["annotations"] = doc(annotations)
	}
	return doc{"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": doc{}}
}

func TestPolicy(t *testing.T) {
	policy, binding := load(t)
	if get(binding, "spec", "policyName") != get(policy, "metadata", "name") {
		t.Errorf("the binding binds %v, not the policy %v", get(binding, "spec", "policyName"),
			get(policy, "metadata", "name"))
	}
	allowed := map[string]string{"ksm.cgroup.dev/allowed": "true"}
	for _, ns := range []struct {
		labels map[string]string
		open   bool // pods may carry the annotations
	}{
		{nil, false},
		{map[string]string{"team": "a"}, false},
		{map[string]string{"ksm.cgroup.dev/allowed": "false"}, false},
		{map[string]string{"ksm.cgroup.dev/allowed": "True"}, false},
		{allowed, true},
		{map[string]string{"ksm.cgroup.dev/allowed": "true", "team": "a"}, true},
	} {
		for _, c := range []struct {
			ann map[string]interface{}
			ksm bool
		}{
			{nil, false},
			{map[string]interface{}{}, false},
			{map[string]interface{}{"app": "x", "example.com/ksm.cgroup.dev/x": "1",
				"ksm.cgroup.dev.example/x": "1"}, false},
			{map[string]interface{}{"ksm.cgroup.dev/memory.ksm": "1"}, true},
			{map[string]interface{}{"app": "x", "ksm.cgroup.dev/memory.ksm.weight": "300"}, true},
			{map[string]interface{}{"ksm.cgroup.dev/memory.ksm.isolated": "1"}, true},
			{map[string]interface{}{"ksm.cgroup.dev/scope": "pod"}, true},
			{map[string]interface{}{"ksm.cgroup.dev/memory.ksm": "0"}, true},
		} {
			admitted := !selects(t, binding, ns.labels) || admits(t, policy, pod(c.ann))
			if want := ns.open || !c.ksm; admitted != want {
				t.Errorf("namespace labels %v, pod annotations %v: admitted %v, want %v",
					ns.labels, c.ann, admitted, want)
			}
		}
	}
}
