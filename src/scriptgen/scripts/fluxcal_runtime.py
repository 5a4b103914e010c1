"""Run-time helpers of scriptForFluxCalibration.py, copied into the script.

What the flux-equalisation script computes from the calibration results
(the phase calibrator's flux per window in each EB, their weighted average,
the CSV that records them) cannot be decided when the script is written, so
it happens when the script runs. Writing those computations here, as plain
functions, lets them be unit-tested like the rest of scriptgen; the renderer
copies each function's source verbatim into the emitted script, which
therefore needs nothing but the Python standard library and CASA.

Rules for this module, because its functions travel alone: each function
imports what it uses inside its body (stdlib, or casatools for the one that
reads an MS), refers to no module-level name, and is deterministic.
"""

from __future__ import annotations


def phase_calibrator_fluxes(results, field_name):
    """Stokes I flux and error per spectral window of ``field_name``.

    ``results`` is fluxscale's returned dictionary as the calibration script
    saved it in JSON: field ids (strings) map to a dict with ``fieldName``
    and, per window id (string), ``fluxd`` and ``fluxdErr`` (I, Q, U, V).
    fluxscale writes a negative flux for a window it could not determine;
    such windows are left out. Returns ``{spw id: (flux_jy, error_jy)}``.
    """
    for key in sorted(results, key=str):
        entry = results[key]
        if not str(key).isdigit() or not isinstance(entry, dict):
            continue
        if entry.get("fieldName") != field_name:
            continue
        fluxes = {}
        for spw_key in sorted(entry, key=str):
            value = entry[spw_key]
            if not str(spw_key).isdigit() or not isinstance(value, dict):
                continue
            flux = value.get("fluxd")
            error = value.get("fluxdErr")
            flux = flux[0] if isinstance(flux, (list, tuple)) else flux
            error = error[0] if isinstance(error, (list, tuple)) else error
            if flux is None or float(flux) <= 0.0:
                continue
            fluxes[int(spw_key)] = (float(flux), abs(float(error or 0.0)))
        return fluxes
    names = sorted(
        str(v.get("fieldName"))
        for k, v in results.items()
        if str(k).isdigit() and isinstance(v, dict)
    )
    raise ValueError(
        "fluxscale has no result for field %r (it has: %s)"
        % (field_name, ", ".join(names) or "none")
    )


def window_frequency_ghz(results, spw):
    """The frequency fluxscale reported for a window, in GHz (None if absent)."""
    freqs = results.get("freq")
    if isinstance(freqs, (list, tuple)) and 0 <= spw < len(freqs) and freqs[spw] > 0:
        return float(freqs[spw]) / 1e9
    return None


def weighted_mean(measurements, systematic_fraction=0.0):
    """Weighted mean of ``(value, error)`` pairs, systematic uncertainty included.

    Each value's uncertainty is its (statistical) error and
    ``systematic_fraction`` of the values' plain mean, in quadrature; the
    mean is inverse-variance weighted with those. fluxscale's errors are
    statistical only and can differ by large factors between EBs whose
    real disagreement is the flux calibrator's model (the same few per
    cent for every EB of a band): with the systematic part the EBs weigh
    nearly equally. When any uncertainty is zero (no systematic part, an
    error missing) the weights are meaningless, and the plain mean is used,
    with the standard error of the values (zero for a single value).
    Returns ``(mean, error)``.
    """
    import math

    pairs = [(float(v), float(e)) for v, e in measurements]
    if not pairs:
        raise ValueError("no measurement to average")
    plain = sum(v for v, _ in pairs) / len(pairs)
    systematic = abs(float(systematic_fraction) * plain)
    sigmas = [math.sqrt(e * e + systematic * systematic) for _, e in pairs]
    if all(s > 0.0 for s in sigmas):
        weights = [1.0 / (s * s) for s in sigmas]
        total = sum(weights)
        mean = sum(w * v for w, (v, _) in zip(weights, pairs)) / total
        return mean, 1.0 / math.sqrt(total)
    if len(pairs) == 1:
        return plain, 0.0
    spread = sum((v - plain) ** 2 for v, _ in pairs) / (len(pairs) - 1)
    return plain, math.sqrt(spread / len(pairs))


def equalised_fluxes(per_eb, windows, systematic_fraction=0.0):
    """The averaged flux of every window of every EB.

    ``per_eb`` maps an EB's MS name to ``{spw: (flux, error)}`` (from
    :func:`phase_calibrator_fluxes`); ``windows`` lists the science goal's
    windows, each a dict of MS name -> that EB's window id, so that windows
    at the same frequency are averaged together although their ids differ.
    An EB where fluxscale could not measure a window does not take part in
    that window's average but still receives it. Returns a list of rows
    (dicts) in window then EB order: ``ms``, ``spw``, ``flux_jy``,
    ``error_jy`` (None when not measured), ``average_flux_jy``,
    ``average_error_jy``. ``systematic_fraction`` goes to :func:`weighted_mean`.
    """
    rows = []
    for members in windows:
        measured = [
            per_eb[ms][spw]
            for ms, spw in sorted(members.items())
            if spw in per_eb.get(ms, {})
        ]
        if not measured:
            raise ValueError(
                "no EB has a fluxscale result for window %s"
                % ", ".join("%s spw %d" % (ms, spw) for ms, spw in sorted(members.items()))
            )
        average, average_error = weighted_mean(measured, systematic_fraction)
        for ms, spw in sorted(members.items()):
            flux, error = per_eb.get(ms, {}).get(spw, (None, None))
            rows.append(
                {
                    "ms": ms,
                    "spw": spw,
                    "flux_jy": flux,
                    "error_jy": error,
                    "average_flux_jy": average,
                    "average_error_jy": average_error,
                }
            )
    return rows


def write_flux_csv(path, rows):
    """Write the per-EB and averaged fluxes, one row per EB and window.

    The file is also the input of the next step, so an analyst who wants a
    different flux (a catalogue value, say) edits ``average_flux_jy`` here
    and reruns from the setjy step.
    """
    import csv

    columns = (
        "ms",
        "field",
        "spw",
        "frequency_ghz",
        "flux_jy",
        "error_jy",
        "average_flux_jy",
        "average_error_jy",
    )

    def cell(value):
        if value is None:
            return ""
        if isinstance(value, float):
            return "%.6f" % value
        return str(value)

    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(column)) for column in columns])


def read_flux_csv(path):
    """``{(ms, spw): average flux in Jy}`` from the file :func:`write_flux_csv` wrote."""
    import csv

    averages = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            averages[(row["ms"], int(row["spw"]))] = float(row["average_flux_jy"])
    return averages


def field_selection(vis, names):
    """CASA field selection (ids) for the fields named ``names`` in ``vis``.

    Ids rather than names: a field name may contain characters that CASA's
    selection syntax would interpret (commas, wildcards), and split may
    renumber fields, so the ids are looked up in the MS at run time.
    """
    from casatools import msmetadata

    md = msmetadata()
    md.open(vis)
    try:
        known = set(md.fieldnames())
        ids = set()
        for name in names:
            if name in known:
                ids.update(int(i) for i in md.fieldsforname(name))
    finally:
        md.close()
    if not ids:
        raise ValueError("none of the fields %r is in %s" % (list(names), vis))
    return ",".join(str(i) for i in sorted(ids))
