"""The bundled sample: Contoso Europe's close workbook and journal files
(:mod:`~closekit.samples.company`) and the sample group with its US subsidiary
(:mod:`~closekit.samples.group`), written by ``closekit new --sample`` and ``make demo``.
"""
