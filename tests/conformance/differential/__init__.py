"""Differential testing against real TensorFlow: random small TF1 programs are built and
run in flowgraph and in `tensorflow.compat.v1`, and every observable is compared."""
