"""One module per supernet-training method behind wsnas.training.method.Method."""
