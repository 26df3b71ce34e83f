"""PyTorch simulations of the models the theories describe: samplers, ridge pretraining, baselines, Monte-Carlo errors."""
