"""Workflows over the read models: publishing results (通报), appeals (申诉复核) and reviewer
packets."""
