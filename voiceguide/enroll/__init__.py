"""Enrollment: each partner teaches the guide how they say the command words.

Only spectral features of the takes are kept (voiceguide.enroll.features), never audio. They serve
as a second opinion on the recogniser's commands (a veto) and, for a language with no speech model,
as the only way to hear commands at all (voiceguide.enroll.spotter)."""
