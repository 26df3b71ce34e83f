"""PyTorch simulations of the models the theories describe (samplers, estimators, Monte-Carlo errors)."""
