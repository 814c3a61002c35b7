"""The AI-factory planner: a power budget becomes hardware, priced tiers, tokens and margin.

``frontier`` reads throughput-vs-interactivity curves (measured runs, projections, published
files); ``economics`` holds the fleet arithmetic (power, TCO per accelerator, InferenceX's
formulas); ``solver`` is the mixed-integer program (HiGHS through scipy); ``checks`` reproduces
figures from the world; ``inputs`` reads plan files and presets. The job is
``tokenfab.session.plan.plan``.
"""
