"""How the calibration script solves and applies, where every anchor agrees.

scriptgen's first scripts made a few choices of their own that the
observatory's QA2 generator (``almaqa2csg``), the scripts ALMA delivers and
the ALMA pipeline all make differently. Each function here returns the
anchors' choice with a one-line reason that the emitted script prints:

* which ASDM tables ``importasdm`` copies into the MS (:func:`import_asis`);
* how amplitudes are solved (:func:`amplitude_solve`);
* which phase table each calibrated field gets (:func:`gain_applications`):
  the phase calibrator takes the same scan-averaged phases as its targets,
  so its image checks the phase transfer instead of showing a
  self-calibrated point source.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import derive
from ..model import ExecBlock, Role
from . import calibration as cal

#: ASDM tables importasdm copies verbatim (``asis``) because a later step or
#: a later scriptgen command reads them: the science goal (SBSummary), the
#: EB's identity and times (ExecBlock), the correlator averaging behind the
#: effective bandwidth (CorrelatorMode), catalogue calibrator fluxes and rest
#: frequencies (Source), Tsys and WVR metadata (CalAtmosphere, CalWVR), and
#: the antenna, pad and receiver records the position corrections and QA
#: refer to (Antenna, Station, Receiver).
IMPORT_ASIS_TABLES = (
    "SBSummary",
    "ExecBlock",
    "CorrelatorMode",
    "Source",
    "CalAtmosphere",
    "CalWVR",
    "Antenna",
    "Station",
    "Receiver",
)


@dataclass(frozen=True)
class AsisChoice:
    asis: str  # importasdm's asis: table names separated by spaces
    reason: str


def import_asis() -> AsisChoice:
    """The ASDM tables to keep in the MS, as importasdm's ``asis`` string."""
    return AsisChoice(
        asis=" ".join(IMPORT_ASIS_TABLES),
        reason="asis keeps the ASDM tables later steps read: science goal (SBSummary), EB times "
        "(ExecBlock), online averaging (CorrelatorMode), catalogue fluxes and rest frequencies "
        "(Source), Tsys/WVR metadata and the antenna, pad and receiver records",
    )


@dataclass(frozen=True)
class AmplitudeSolve:
    gaintype: str
    calmode: str
    reason: str


def amplitude_solve() -> AmplitudeSolve:
    """One amplitude per antenna for both polarisations, phases from the phase solve.

    The calibrators are unpolarised to the accuracy the flux scale needs, so
    the two polarisations share one gain amplitude (``gaintype='T'``: half
    the unknowns, sqrt(2) more signal-to-noise), and the phases already come
    from their own table, so the solve fits amplitude only (``calmode='a'``).
    That is what the QA2 generator, delivered scripts and the pipeline do.
    """
    return AmplitudeSolve(
        gaintype="T",
        calmode="a",
        reason="amplitude only (calmode='a': phases are solved, or already applied, separately) and one solution for "
        "both polarisations (gaintype='T', sqrt(2) more signal-to-noise): as the observatory "
        "generator almaqa2csg, delivered scripts and the pipeline solve flux-transfer amplitudes",
    )


@dataclass(frozen=True)
class TransferGroup:
    """One applycal: a phase calibrator and its targets, with its scan-averaged gains."""

    phase_field_id: int
    field_ids: tuple[int, ...]  # the phase calibrator first, then its targets
    reason: str


@dataclass(frozen=True)
class GainApplications:
    #: Fields calibrated with their own per-integration phases (bandpass and
    #: flux calibrators), each with its own solutions.
    self_calibrated: tuple[int, ...]
    self_reason: str
    groups: tuple[TransferGroup, ...]


def _keeps_own_phases(eb: ExecBlock, field_id: int) -> bool:
    roles = derive.field_roles(eb.field(field_id))
    return Role.PHASE not in roles or bool({Role.BANDPASS, Role.FLUX} & set(roles))


def gain_applications(eb: ExecBlock) -> GainApplications:
    """Which gain tables each calibrated field gets.

    The bandpass and flux calibrators take their own per-integration phases:
    they are observed once, and their data must be coherent for the bandpass
    and the flux scale. A phase calibrator takes its own scan-averaged phases
    (``phase_inf``) together with its targets, in one applycal, as delivered
    ALMA scripts do (``field='<phase calibrator>,<targets>'``) and the
    pipeline's ``hifa_timegaincal``: its calibrated data then carry the
    phase errors the targets get (within-scan atmospheric phase), and its
    image measures the quality of the phase transfer.
    """
    calibrators = cal.gain_calibrators(eb)
    own = tuple(f for f in calibrators if _keeps_own_phases(eb, f))
    phase = [f for f in calibrators if f not in own]
    groups = []
    transferred: set[int] = set()
    for transfer in cal.phase_transfers(eb):
        members = (transfer.phase_field_id,) + tuple(transfer.target_field_ids)
        if transfer.phase_field_id in own:
            # The phase calibrator is also the bandpass or flux calibrator:
            # it keeps its own per-integration phases; only the targets move.
            members = tuple(transfer.target_field_ids)
        transferred.add(transfer.phase_field_id)
        groups.append(
            TransferGroup(
                phase_field_id=transfer.phase_field_id,
                field_ids=members,
                reason=f"{transfer.reason}; its scan-averaged phases (phase_inf) calibrate it and its "
                "targets alike, so its image tests the phase transfer (delivered ALMA scripts, "
                "pipeline hifa_timegaincal)",
            )
        )
    for p in phase:
        if p not in transferred:
            groups.append(
                TransferGroup(
                    phase_field_id=p,
                    field_ids=(p,),
                    reason=f"{cal.field_label(eb, p)} is a phase calibrator without targets here: its "
                    "scan-averaged phases (phase_inf), as it would give a target",
                )
            )
    groups.sort(key=lambda g: g.phase_field_id)
    return GainApplications(
        self_calibrated=own,
        self_reason="bandpass and flux calibrators: their own per-integration phases (phase_int), "
        "so that their data are coherent for the bandpass and the flux scale",
        groups=tuple(groups),
    )
