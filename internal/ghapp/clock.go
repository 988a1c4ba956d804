package ghapp

// ClocksApart reports whether the runner's clock was too far from GitHub's when the JWT
// was refused: then it was signed again by GitHub's clock, and refused still.
func (e *JWTRefusedError) ClocksApart() bool { return e.Skew.Abs() > skewTolerance }
