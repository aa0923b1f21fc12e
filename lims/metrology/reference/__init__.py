"""A reference standard's calibration data and what it contributes at each point (pure).

* :mod:`.calibration_data` — the format of ``StandardCalibration.data`` and its check;
* :mod:`.weights` — the weights on the pan (EURAMET cg-18 v4.0 7.1.2, OIML R111-1);
* :mod:`.corrections` — a reference with corrections per point (thermometers, pressure);
* :mod:`.r111` — OIML R111-1 Table 1 as data;
* :mod:`.base` — :class:`ReferenceAt`.

:func:`lims.metrology.reference_data.reference_at` chooses between them.
"""
