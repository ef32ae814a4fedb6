"""Operator policy: the council register, providers and their rota, MHCLG's people and the
escalation ladder, loaded from the YAML files in `config/` and validated at start-up."""
