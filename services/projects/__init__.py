"""Projects: projects, positions and their hours rules, enrolments, attendance, evaluations."""
