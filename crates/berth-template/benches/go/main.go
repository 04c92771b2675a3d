// Command go renders benches/workloads.json with the real Go text/template and
// Sprig, set up as Helm does, and prints the time per execution, for comparison
// with `cargo bench -p berth-template --bench render`. Run locally:
//
//	GOPATH=$(dpkg -L golang-github-masterminds-sprig-dev | grep -m1 '/gocode$') GO111MODULE=off go run .
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

type workload struct {
	Name      string            `json:"name"`
	Values    string            `json:"values"`
	Templates map[string]string `json:"templates"`
}

func newSet() *template.Template {
	t := template.New("gotpl").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	funcs["toYaml"] = func(v interface{}) string {
		b, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(b), "\n")
	}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		c, err := t.Clone()
		if err != nil {
			return "", err
		}
		nt, err := c.New(t.Name()).Parse(text)
		if err != nil {
			return "", err
		}
		var buf strings.Builder
		err = nt.Execute(&buf, data)
		return strings.ReplaceAll(buf.String(), "<no value>", ""), err
	}
	t.Funcs(funcs)
	return t
}

func parse(w workload) *template.Template {
	t := newSet()
	names := []string{}
	for n := range w.Templates {
		names = append(names, n)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	for _, n := range names {
		template.Must(t.New(n).Parse(w.Templates[n]))
	}
	return t
}

func measure(name string, f func()) {
	f()
	n := 0
	start := time.Now()
	for time.Since(start) < 2*time.Second {
		f()
		n++
	}
	fmt.Printf("%-28s %12.1f µs/op (%d runs)\n", name, float64(time.Since(start).Microseconds())/float64(n), n)
}

func main() {
	data, err := os.ReadFile("../workloads.json")
	if err != nil {
		panic(err)
	}
	var ws []workload
	if err := json.Unmarshal(data, &ws); err != nil {
		panic(err)
	}
	for _, w := range ws {
		vals := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(w.Values), &vals); err != nil {
			panic(err)
		}
		root := map[string]interface{}{
			"Values":       vals,
			"Release":      map[string]interface{}{"Name": "release-name", "Namespace": "default"},
			"Chart":        map[string]interface{}{"Name": "bench", "Version": "0.1.0", "AppVersion": "1.0.0"},
			"Capabilities": map[string]interface{}{"KubeVersion": map[string]interface{}{"GitVersion": "v1.32.0"}},
		}
		t := parse(w)
		measure(w.Name+"/execute", func() {
			var buf bytes.Buffer
			if err := t.ExecuteTemplate(&buf, "main", root); err != nil {
				panic(err)
			}
		})
		measure(w.Name+"/parse+execute", func() {
			t := parse(w)
			var buf bytes.Buffer
			if err := t.ExecuteTemplate(&buf, "main", root); err != nil {
				panic(err)
			}
		})
		measure(w.Name+"/values-yaml", func() {
			v := map[string]interface{}{}
			_ = yaml.Unmarshal([]byte(w.Values), &v)
		})
	}
}
