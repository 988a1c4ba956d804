package runs

import "testing"

func TestJobMatches(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		job, name string
		want      bool
	}{
		{"build", "build", true},
		{"Build", "build", true},
		{"build (ubuntu-latest, 20)", "build", true},
		{"deploy / compile", "deploy", true},
		{"deploy (prod) / compile", "deploy", true},
		{"deploy / compile", "deploy / compile", true},
		{"build-docs", "build", false},
		{"builder", "build", false},
		{"bui", "build", false},
		{"test (a, b)", "test (a, b)", true},
		{"test (a, b)", "test (a", false},
	} {
		if got := JobMatches(tt.job, tt.name); got != tt.want {
			t.Errorf("JobMatches(%q, %q) = %v", tt.job, tt.name, got)
		}
	}
}

func TestJobsConclusion(t *testing.T) {
	t.Parallel()
	job := func(c Conclusion) Job { return Job{Status: StatusCompleted, Conclusion: c} }
	for _, tt := range []struct {
		jobs []Job
		want Conclusion
	}{
		{nil, ""},
		{[]Job{job(ConclusionSuccess), job(ConclusionSuccess)}, ConclusionSuccess},
		{[]Job{job(ConclusionSuccess), job(ConclusionSkipped)}, ConclusionSuccess}, // a skipped matrix leg: no failure, as for a required check
		{[]Job{job(ConclusionSuccess), job(ConclusionNeutral), job(ConclusionSkipped)}, ConclusionSuccess},
		{[]Job{job(ConclusionSkipped), job(ConclusionSkipped)}, ConclusionSkipped},
		{[]Job{job(ConclusionSkipped), job(ConclusionFailure), job(ConclusionSuccess)}, ConclusionFailure},
		{[]Job{job(ConclusionCancelled), job(ConclusionFailure), job(ConclusionSuccess)}, ConclusionFailure},
		{[]Job{job(ConclusionTimedOut), job(ConclusionCancelled)}, ConclusionTimedOut},
	} {
		if got := JobsConclusion(tt.jobs); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.jobs, got, tt.want)
		}
	}
}
