"""Pure statistics and scoring: typed inputs, typed outputs, no I/O."""
