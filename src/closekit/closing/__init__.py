"""The steps of the close, in its order (domain.md §9): ``import``
(:mod:`~closekit.closing.importing`), ``validate`` (:mod:`~closekit.closing.validation`),
settlement, revaluation, allocation, trial balance, statements, flux, consolidation and the
year-end, each one module with one entry function of one shape
(:class:`closekit.core.steps.StepResult`), chained by :mod:`~closekit.closing.runner`.

(Named ``closing``, not ``close``: ``closekit.close`` is the public function.)
"""
