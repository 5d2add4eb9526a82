"""Exercise stubs of the course (exercises/weekN/): generated from solutions/ by `tglm course build`."""
