package dashboards

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestAlertHygiene: every alert selects hwgraph's job, links its runbook
// (a section of docs/runbooks.md), and has promtool tests both firing and
// quiet in alerts_test.yml.
func TestAlertHygiene(t *testing.T) {
	runbooks, err := os.ReadFile("../docs/runbooks.md")
	if err != nil {
		t.Fatal(err)
	}
	headings := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^## (Hwgraph\w+)$`).FindAllStringSubmatch(string(runbooks), -1) {
		headings[strings.ToLower(m[1])] = true
	}
	b, err := os.ReadFile("alerts_test.yml")
	if err != nil {
		t.Fatal(err)
	}
	var tests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string
				ExpAlerts []any `json:"exp_alerts"`
			} `json:"alert_rule_test"`
		}
	}
	if err := yaml.Unmarshal(b, &tests); err != nil {
		t.Fatal(err)
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	n := 0
	for _, g := range readRules(t, "alerts.yml").Groups {
		for _, r := range g.Rules {
			n++
			if !strings.Contains(r.Expr, `job="hwgraph"`) {
				t.Errorf("%s: %q does not select the job", r.Alert, r.Expr)
			}
			anchor, ok := strings.CutPrefix(r.Annotations["runbook_url"], "https://github.com/hwgraph/hwgraph/blob/main/docs/runbooks.md#")
			if !ok || anchor != strings.ToLower(r.Alert) || !headings[anchor] {
				t.Errorf("%s: runbook_url %q has no section in docs/runbooks.md", r.Alert, r.Annotations["runbook_url"])
			}
			if !fires[r.Alert] || !quiet[r.Alert] {
				t.Errorf("%s: alerts_test.yml tests it firing %v, quiet %v", r.Alert, fires[r.Alert], quiet[r.Alert])
			}
		}
	}
	if n < 17 {
		t.Errorf("only %d alerts read", n)
	}
}
