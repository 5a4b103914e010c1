"""QA2: does an image reach the PI's requested noise and resolution?

``criteria`` holds the ALMA rules as pure functions; ``goal`` reads the
request; ``image``/``noise``/``measure`` measure an image (CASA or FITS);
``report`` decides and presents. See docs/qa2.md.
"""
