package delivery

// stepKindNames are the names of step kinds wherever a step is written
// down for a program: saved plans and the JSON plan. They never change
// meaning: readers of both depend on them.
var stepKindNames = map[StepKind]string{
	StepCreate:      "create",
	StepWaitHealthy: "wait_healthy",
	StepEnable:      "enable",
	StepDisable:     "disable",
	StepSetWeight:   "set_weight",
	StepResize:      "resize",
	StepWait:        "wait",
	StepAnalyze:     "analyze",
	StepDestroy:     "destroy",
}

// String is the kind's name: "create", "wait_healthy", "set_weight";
// [ParseStepKind] reads it back. A kind without a name is "invalid".
func (k StepKind) String() string {
	if s, ok := stepKindNames[k]; ok {
		return s
	}
	return "invalid"
}

// ParseStepKind returns the kind named s, and false when no kind is.
func ParseStepKind(s string) (StepKind, bool) {
	for k, name := range stepKindNames {
		if name == s {
			return k, true
		}
	}
	return 0, false
}
