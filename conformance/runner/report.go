package runner

import (
	"fmt"
	"io"
	"strings"
)

// symbols are the matrix's cell marks, short so the table stays readable.
var symbols = map[Status]string{
	Pass:           "pass",
	Fail:           "**FAIL**",
	NotApplicable:  "n/a",
	KnownFail:      "known",
	UnexpectedPass: "**XPASS**",
}

// WriteMarkdown writes the matrix as a Markdown table, then every non-passing cell's
// detail.
func (r *Report) WriteMarkdown(w io.Writer) {
	fmt.Fprintf(w, "| case | env | %s |\n", strings.Join(r.Targets, " | "))
	fmt.Fprintf(w, "|---|---|%s\n", strings.Repeat("---|", len(r.Targets)))
	counts := map[string]map[Status]int{}
	for _, row := range r.Rows {
		cells := make([]string, len(r.Targets))
		for i, t := range r.Targets {
			c, ok := row.Cells[t]
			if !ok {
				cells[i] = "—"
				continue
			}
			cells[i] = symbols[c.Status]
			if counts[t] == nil {
				counts[t] = map[Status]int{}
			}
			counts[t][c.Status]++
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", row.Case, row.Env, strings.Join(cells, " | "))
	}
	totals := make([]string, len(r.Targets))
	for i, t := range r.Targets {
		totals[i] = fmt.Sprintf("%d pass", counts[t][Pass])
		if n := counts[t][Fail] + counts[t][UnexpectedPass]; n > 0 {
			totals[i] += fmt.Sprintf(", **%d fail**", n)
		}
		if n := counts[t][KnownFail]; n > 0 {
			totals[i] += fmt.Sprintf(", %d known", n)
		}
		if n := counts[t][NotApplicable]; n > 0 {
			totals[i] += fmt.Sprintf(", %d n/a", n)
		}
	}
	fmt.Fprintf(w, "| **total** | | %s |\n", strings.Join(totals, " | "))

	var notes []string
	for _, row := range r.Rows {
		for _, t := range r.Targets {
			c, ok := row.Cells[t]
			if !ok || c.Status == Pass || c.Status == NotApplicable {
				continue
			}
			notes = append(notes, fmt.Sprintf("- %s / %s / %s: %s: %s", row.Case, row.Env, t, c.Status, strings.ReplaceAll(c.Detail, "\n", " ")))
		}
	}
	for _, e := range r.Errors {
		notes = append(notes, "- error: "+strings.ReplaceAll(e, "\n", " "))
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(notes, "\n"))
	}
}
