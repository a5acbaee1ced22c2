"""Model files: safetensors reading and writing, and what a network or estimator file holds."""
