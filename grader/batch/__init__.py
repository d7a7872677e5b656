"""Batch grading for hiring teams: assessments, safe intake, resumable runs, cohort reports."""
