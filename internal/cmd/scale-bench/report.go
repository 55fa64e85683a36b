package main

import (
	"fmt"
	"strings"
)

func row(cells ...string) { fmt.Println("| " + strings.Join(cells, " | ") + " |") }

func printResult(r result) {
	fmt.Printf("\n### %s, %d files\n\n", r.kind.name, r.n)
	if r.failed != "" {
		fmt.Printf("FAILED: %s\n\n", r.failed)
	}
	row("step", "wall s", "terraform peak MB", "provider peak MB", "provider CPU s", "output lines")
	row("---", "---", "---", "---", "---", "---")
	for _, name := range stepNames {
		if s, ok := r.steps[name]; ok {
			row(name, fmt.Sprintf("%.2f", s.seconds), fmt.Sprintf("%.0f", s.terraformMB), fmt.Sprintf("%.0f", s.providerMB),
				fmt.Sprintf("%.2f", s.providerCPU), fmt.Sprint(s.lines))
		}
	}
}

// seconds is the wall time of the named steps, summed; false when r failed.
func (r result) seconds(names ...string) (float64, bool) {
	var total float64
	for _, n := range names {
		s, ok := r.steps[n]
		if !ok || r.failed != "" {
			return 0, false
		}
		total += s.seconds
	}
	return total, true
}

func (r result) update() (float64, bool) { return r.seconds("update plan", "update apply") }

func (r result) peak(f func(step) float64) float64 {
	var p float64
	for _, s := range r.steps {
		p = max(p, f(s))
	}
	return p
}

// Issue 19's targets.
const (
	maxRatio      = 2.0   // every update (plan + apply) within 2× of terraform_data's, from 10,000 files
	maxGrowth     = 3.5   // from 10,000 to 30,000 files
	maxProviderMB = 600.0 // the provider's peak at 100,000 files
)

// report prints the summary and reports whether every target was met.
func report(results []result, ns []int, kinds []configKind) bool {
	at := map[string]result{}
	for _, r := range results {
		at[fmt.Sprintf("%s@%d", r.kind.name, r.n)] = r
	}
	get := func(k configKind, n int) result { return at[fmt.Sprintf("%s@%d", k.name, n)] }
	ok := true
	var verdicts []string
	verdict := func(met bool, format string, args ...any) {
		ok = ok && met
		mark := "target met"
		if !met {
			mark = "TARGET MISSED"
		}
		verdicts = append(verdicts, fmt.Sprintf("- "+format+": %s.", append(args, mark)...))
	}

	fmt.Printf("\n## Summary\n\nSeconds; × terraform_data is the update (plan + apply) against terraform_data's at the same size, in this run.\n\n")
	row("configuration", "files", "create plan + apply", "update plan", "update apply", "update", "× terraform_data",
		"no-op plan", "provider peak MB", "provider CPU s (update)", "terraform peak MB", "update plan lines", "show -json MB")
	row("---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---")
	for _, n := range ns {
		data := get(dataKind, n)
		dataUpdate, dataOK := data.update()
		for _, k := range kinds {
			r := get(k, n)
			if r.failed != "" {
				row(k.name, fmt.Sprint(n), "failed", "", "", "", "", "", "", "", "", "", "")
				if k.purges {
					verdict(false, "%s at %d files ran through", k.name, n)
				}
				continue
			}
			create, _ := r.seconds("create plan", "create apply")
			update, _ := r.update()
			ratio := "1"
			if k.purges && dataOK {
				x := update / dataUpdate
				ratio = fmt.Sprintf("%.2f", x)
				if n >= 10000 {
					verdict(x <= maxRatio, "%s, %d files: update %.1fs, %.2f× terraform_data's %.1fs (at most %.0f×)",
						k.name, n, update, x, dataUpdate, maxRatio)
				}
			}
			providerMB, providerCPU := "—", "—"
			if k.purges {
				providerMB = fmt.Sprintf("%.0f", r.peak(func(s step) float64 { return s.providerMB }))
				providerCPU = fmt.Sprintf("%.1f", r.steps["update plan"].providerCPU+r.steps["update apply"].providerCPU)
			}
			row(k.name, fmt.Sprint(n), fmt.Sprintf("%.1f", create), fmt.Sprintf("%.1f", r.steps["update plan"].seconds),
				fmt.Sprintf("%.1f", r.steps["update apply"].seconds), fmt.Sprintf("%.1f", update), ratio,
				fmt.Sprintf("%.1f", r.steps["no-op plan"].seconds), providerMB, providerCPU,
				fmt.Sprintf("%.0f", r.peak(func(s step) float64 { return s.terraformMB })),
				fmt.Sprint(r.steps["update plan"].lines), fmt.Sprintf("%.1f", float64(r.steps["update show -json"].bytes)/1e6))
			if k.purges && n == 100000 {
				peak := r.peak(func(s step) float64 { return s.providerMB })
				verdict(peak < maxProviderMB, "%s, 100000 files: provider peak %.0f MB (under %.0f MB)", k.name, peak, maxProviderMB)
			}
		}
	}

	fmt.Printf("\nGrowth of the update (plan + apply) from one size to the next:\n\n")
	row("configuration", "from", "to", "growth", "files ×")
	row("---", "---", "---", "---", "---")
	for i := 1; i < len(ns); i++ {
		for _, k := range kinds {
			from, ok1 := get(k, ns[i-1]).update()
			to, ok2 := get(k, ns[i]).update()
			if !ok1 || !ok2 {
				continue
			}
			growth := to / from
			row(k.name, fmt.Sprint(ns[i-1]), fmt.Sprint(ns[i]), fmt.Sprintf("%.2f×", growth), fmt.Sprintf("%.1f×", float64(ns[i])/float64(ns[i-1])))
			if k.purges && ns[i-1] == 10000 && ns[i] == 30000 {
				verdict(growth <= maxGrowth, "%s: growth from 10000 to 30000 files %.2f× (at most %.1f×)", k.name, growth, maxGrowth)
			}
		}
	}

	// Per 10,000 files, at the largest size: what the docs quote.
	largest := ns[len(ns)-1]
	if r := get(filesKind, largest); r.failed == "" {
		per := 10000 / float64(largest)
		create, _ := r.seconds("create plan", "create apply")
		update, _ := r.update()
		fmt.Printf("\nPer 10,000 files, at %d files: create (plan + apply) %.1fs, a 10%% update (plan + apply) %.1fs, "+
			"a plan that changes nothing %.1fs. Peaks at %d files: the provider %.0f MB, Terraform %.0f MB.\n", largest,
			create*per, update*per, r.steps["no-op plan"].seconds*per, largest,
			r.peak(func(s step) float64 { return s.providerMB }), r.peak(func(s step) float64 { return s.terraformMB }))
	}
	fmt.Printf("\n%s\n", strings.Join(verdicts, "\n"))
	return ok
}
