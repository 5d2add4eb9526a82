"""Reference solutions of the course (solutions/weekN/): the source the exercise stubs are generated from."""
