"""Customer lifetime value models, pure numpy/scipy with closed-form likelihoods.

- ``sbg``: contractual revenue. The shifted-beta-geometric retention model (Fader & Hardie
  2007) fitted per cohort from survivor counts, with the constant-retention margin multiple as
  the fallback for cohorts too small to fit.
- ``bgnbd`` and ``gamma_gamma``: non-contractual repeat purchases. How many (BG/NBD, Fader,
  Hardie & Lee 2005) and of what value (Gamma-Gamma, Fader, Hardie & Lee 2005, "RFM and CLV").
- ``holdout``: per-customer summaries (x, t_x, T, mean value) from orders, and the
  calibration/holdout check of a fit.
- ``score``: fit both repeat-purchase models and value every customer over a horizon.

Why not a library: ``lifetimes`` is unmaintained since 2020 and PyMC-Marketing brings a
probabilistic-programming stack for what are four closed-form likelihoods; scipy's ``gammaln``,
``betaln`` and ``hyp2f1`` with ``scipy.optimize.minimize`` reproduce the published fits.
"""
