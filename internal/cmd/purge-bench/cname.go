package main

import (
	"fmt"
	"log"
	"time"
)

// cnameSlowdownTarget is the most a plan naming the CDN resource by cname
// may take over the same plan by resource_id (issue 21: within 10%).
const cnameSlowdownTarget = 1.10

// cnameBenchmark is benchmark 8: the plan of n gcore_cdn_purge resources
// naming one CDN resource by its domain, against the same plan naming it by
// resource_id, run in turns so that the machine's noise falls on both. The
// domain is looked up once per plan, whatever n.
func (b *bench) cnameBenchmark(runs, n int) bool {
	heading(fmt.Sprintf("8. terraform plan of %d resources by cname and by resource_id", n))
	// The simulator's CDN resources, unconfigured, have the domain cdn<ID>.example.com.
	byID := purgesHCL(n, fmt.Sprintf("resource_id = %d", siteID))
	byName := purgesHCL(n, fmt.Sprintf("cname       = %q", fmt.Sprintf("cdn%d.example.com", siteID)))
	var idWalls, nameWalls []time.Duration
	b.sim.Reset()
	for range runs {
		for _, plan := range []struct {
			config string
			walls  *[]time.Duration
		}{{byID, &idWalls}, {byName, &nameWalls}} {
			d, err := b.planFresh(plan.config)
			if err != nil {
				log.Print(err)
				return false
			}
			*plan.walls = append(*plan.walls, d)
		}
	}
	t := b.traffic()
	id, name := median(idWalls), median(nameWalls)
	ratio := float64(name) / float64(id)
	row("plan", "wall time (median of "+fmt.Sprint(runs)+")", "ratio")
	row("---", "---", "---")
	row(fmt.Sprintf("gcore_cdn_purge ×%d by resource_id", n), seconds(id), "1.00")
	row(fmt.Sprintf("gcore_cdn_purge ×%d by cname", n), seconds(name), fmt.Sprintf("%.2f", ratio))
	met := ratio <= cnameSlowdownTarget && t.lookups == runs && t.purgeRequests == 0
	fmt.Printf("\nTarget: by cname within %.0f%% of by resource_id, one lookup of the domain per plan (%d lookups in %d plans), "+
		"no purge sent (%d): %s.\n", (cnameSlowdownTarget-1)*100, t.lookups, runs, t.purgeRequests, verdict(met))
	return met
}
