"""The close's review, once its figures are computed: sign-offs checked against the figures
(:mod:`~closekit.review.signoffs`), the period status rules and the ``period-hold`` step
(:mod:`~closekit.review.period_status`), and :mod:`~closekit.review.runner`, which feeds them the
close run and the sheets they read back (flux explanations, the Checklist, Periods, the Dashboard).
"""
