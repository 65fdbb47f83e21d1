package main

import (
	"runtime/debug"
)

// buildVersion is what --version prints after "claimgraph version ".
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return describeBuild(bi)
}

// describeBuild names a build by its module version when it was installed
// with go install; a build from a checkout has none, so by the commit it
// was built from (marked when the tree had changes), and in either case
// by the Go release that built it.
func describeBuild(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = " with local changes"
			}
		}
	}
	if v == "" || v == "(devel)" {
		switch {
		case rev != "":
			v = "commit " + rev[:min(len(rev), 12)] + dirty
		default:
			v = "devel"
		}
	}
	return v + ", " + bi.GoVersion
}
