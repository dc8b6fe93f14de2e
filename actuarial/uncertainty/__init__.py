"""Uncertainty: fitted models (:mod:`.models`), seeded sources of deviations (:mod:`.sources`)
and summaries over draws (:mod:`.summaries`).

Every source of uncertainty is a zero-mean deviation from the best-estimate path in the
assumption file, starting at zero in the base year. With every shock at zero a stochastic run
therefore equals the deterministic best estimate, draw by draw.

| source | model | parameters |
|---|---|---|
| medical_inflation, utilisation_growth | AR(1) on the yearly growth rate, or ARIMA(p, d, q) of a chosen or AIC-selected order (:mod:`.arima`) | fitted with statsmodels to the cost history (shock years get their own dummy, so they do not bend the fit), or given |
| wage_growth, interest_rate | AR(1) | given |
| (the four above) | correlated yearly innovations | correlation matrix |
| mortality | Lee-Carter k_t random walk (with drift uncertainty), by sex, common shocks | fitted to the mortality history (SVD, k_t adjusted to deaths or e0, or Poisson / logit maximum likelihood) |
| enrolment | AR(1) added to the resident enrolment rate | given |
| employment | AR(1) on log entry rates (exits move the other way) | given |

Seeding: one ``numpy.random.SeedSequence(seed)``; each *stream* (economy, mortality,
enrolment, employment) has a fixed spawn key, so adding or switching off a source never changes
another's numbers. Each stream draws all its normals as one (draws, years, ...) array, so draw
d's numbers do not depend on how many draws are run or how they are chunked.
"""

from .models import AR1Params, StochasticModel, fit, fit_ar1
from .sources import SOURCES, STREAM_KEYS, draw_deviations, zero_deviations
from .summaries import DEFAULT_QUANTILES, depletion_distribution, probability, quantiles

__all__ = ["AR1Params", "DEFAULT_QUANTILES", "SOURCES", "STREAM_KEYS", "StochasticModel", "depletion_distribution",
           "draw_deviations", "fit", "fit_ar1", "probability", "quantiles", "zero_deviations"]
