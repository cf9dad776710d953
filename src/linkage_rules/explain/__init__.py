"""Explanations as data, and their rendering in the policy owner's labels."""
