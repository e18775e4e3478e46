"""`tf.keras`: Keras 2 as it runs on TF1 graphs and sessions."""
