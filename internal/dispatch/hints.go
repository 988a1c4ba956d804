package dispatch

import (
	"fmt"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

// What the user can do about a failure of sending, said by the error that knows it, in the
// action's words or the CLI's.

// Hint says how to send fewer inputs.
func (e *InputsLimitError) Hint(cli bool) string {
	const f = "GitHub Enterprise Server before 3.20 takes at most %d workflow inputs (github.com and 3.20 or later: 25): send fewer in %s, for example several values as one JSON string; " +
		"when waiting for the run on a server before 3.21, distinct_id is one of them"
	in := `input "inputs"`
	if cli {
		in = "--inputs"
	}
	if e.Limit == event.MaxWorkflowInputs {
		return fmt.Sprintf("GitHub takes at most %d workflow inputs, and a server that cannot name the run (Enterprise Server before 3.21) needs distinct_id among them to find it: "+
			"send at most %d in %s (several values as one JSON string), or do not wait for the run", event.MaxWorkflowInputs, event.MaxWorkflowInputs-1, in)
	}
	return fmt.Sprintf(f, OldMaxWorkflowInputs, in)
}

// Hint says which names are unique.
func (e *WorkflowNameError) Hint(bool) string {
	return "give the workflow input one of the names listed exactly, or the workflow's file name (deploy.yml) or numeric ID, which are unique"
}
