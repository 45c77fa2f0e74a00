#!/usr/bin/env Rscript
# Generates the reference values concur-stats is tested against, with R's metafor as the oracle.
#
#   apt-get install r-base-core r-cran-metafor r-cran-lme4 r-cran-jsonlite
#   Rscript scripts/metafor-reference.R > crates/concur-stats/tests/fixtures/metafor-reference.json
#
# Iterative estimators are run with tight convergence (threshold and uniroot tolerance 1e-12)
# so that the reference is the exact estimate, not metafor's default stopping point (1e-5 for
# ML/REML, .Machine$double.eps^0.25 for PM and the Q-profile interval).
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

tight <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12, tau2.max = 1e4)
num <- function(x) if (is.null(x) || length(x) == 0 || is.na(x[1])) NULL else unname(as.numeric(x))

summarise_uni <- function(res, measure, ni = NULL) {
  out <- list(
    k = res$k, estimate = num(res$beta), se = num(res$se), ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub),
    stat = num(res$zval), p = num(res$pval), tau2 = num(res$tau2), i2 = num(res$I2), h2 = num(res$H2),
    q = num(res$QE), q_df = res$k - 1, q_p = num(res$QEp),
    weights = unname(as.numeric(weights(res))), yi = unname(as.numeric(res$yi)), vi = unname(as.numeric(res$vi))
  )
  pr <- predict(res)
  out$pi_lb <- num(pr$pi.lb); out$pi_ub <- num(pr$pi.ub)
  if (is.null(out$pi_lb)) { out$pi_lb <- num(pr$ci.lb); out$pi_ub <- num(pr$ci.ub) }
  if (!is.element(res$method, c("FE", "EE")) && res$k > 1) {
    ci <- confint(res, control = list(tol = 1e-12, tau2.max = 1e4))
    out$tau2_ci <- num(ci$random["tau^2", c("ci.lb", "ci.ub")])
  }
  tr <- switch(measure, PLO = transf.ilogit, PAS = transf.iarcsin, RR = exp, OR = exp, HR = exp,
               PR = function(x) pmin(pmax(x, 0), 1), NULL)
  if (measure == "PFT") {
    ni_hm <- 1 / mean(1 / ni)
    tr <- function(x) transf.ipft.hm(x, targs = list(ni = ni))
  }
  if (!is.null(tr)) {
    out$transformed <- list(estimate = num(tr(pr$pred)), ci_lb = num(tr(pr$ci.lb)), ci_ub = num(tr(pr$ci.ub)),
                            pi_lb = num(tr(out$pi_lb)), pi_ub = num(tr(out$pi_ub)))
  }
  out
}

cases <- list()
add_case <- function(id, measure, method, test, data, expected) {
  cases[[length(cases) + 1]] <<- list(id = id, measure = measure, method = method, test = test,
                                     data = data, expected = expected)
}

uni_methods <- c("EE", "DL", "HE", "HS", "SJ", "ML", "REML", "PM")

# ---- Proportions: real data (Pritz 1997) and edge cases -------------------------------------
prop_sets <- list(
  pritz1997 = list(xi = dat.pritz1997$xi, ni = dat.pritz1997$ni),
  tdm1_srs_necrosis = list(xi = c(9, 4, 2), ni = c(23, 7, 4)),
  k1 = list(xi = 3, ni = 20),
  k2 = list(xi = c(3, 8), ni = c(20, 25)),
  zeros_some = list(xi = c(0, 2, 1, 0, 5), ni = c(12, 30, 15, 9, 40)),
  all_zero = list(xi = c(0, 0, 0), ni = c(10, 12, 8)),
  all_events = list(xi = c(10, 12, 8), ni = c(10, 12, 8)),
  homogeneous = list(xi = c(5, 10, 20), ni = c(50, 100, 200))
)
set.seed(20261127)
kbig <- 150
nbig <- sample(20:400, kbig, replace = TRUE)
pbig <- plogis(rnorm(kbig, -2, 0.6))
prop_sets$large_k <- list(xi = rbinom(kbig, nbig, pbig), ni = nbig)

for (name in names(prop_sets)) {
  d <- prop_sets[[name]]
  for (measure in c("PR", "PLO", "PAS", "PFT")) {
    for (method in uni_methods) {
      for (test in c("z", "knha")) {
        if (test == "knha" && length(d$xi) < 2) next
        res <- try(suppressWarnings(rma(measure = measure, xi = d$xi, ni = d$ni, method = method, test = test,
                                        control = tight)), silent = TRUE)
        if (inherits(res, "try-error")) next
        add_case(paste(name, measure, method, test, sep = "/"), measure, method, test,
                 list(events = d$xi, total = d$ni), summarise_uni(res, measure, d$ni))
      }
    }
  }
  if (length(d$xi) >= 1) {
    res <- try(suppressWarnings(rma.glmm(measure = "PLO", xi = d$xi, ni = d$ni)), silent = TRUE)
    if (!inherits(res, "try-error")) {
      pr <- predict(res)
      add_case(paste(name, "PLO", "GLMM", "z", sep = "/"), "PLO", "GLMM", "z",
               list(events = d$xi, total = d$ni),
               list(k = res$k, estimate = num(res$beta), se = num(res$se), ci_lb = num(res$ci.lb),
                    ci_ub = num(res$ci.ub), stat = num(res$zval), p = num(res$pval), tau2 = num(res$tau2),
                    i2 = num(res$I2), h2 = num(res$H2), q = num(res$QE.LRT), q_p = num(res$QEp.LRT),
                    pi_lb = num(pr$pi.lb), pi_ub = num(pr$pi.ub),
                    transformed = list(estimate = num(plogis(pr$pred)), ci_lb = num(plogis(pr$ci.lb)),
                                       ci_ub = num(plogis(pr$ci.ub)))))
    }
  }
}

# ---- Two-group tables: BCG vaccine trials and edge cases -------------------------------------
tab_sets <- list(
  bcg = with(dat.bcg, list(ai = tpos, n1i = tpos + tneg, ci = cpos, n2i = cpos + cneg)),
  stumpf = list(ai = 9, n1i = 23, ci = 1, n2i = 22),
  zero_cells = list(ai = c(0, 3, 1, 0), n1i = c(20, 25, 30, 15), ci = c(2, 5, 0, 0), n2i = c(20, 24, 28, 16)),
  k2 = list(ai = c(4, 6), n1i = c(50, 60), ci = c(8, 9), n2i = c(52, 58))
)
for (name in names(tab_sets)) {
  d <- tab_sets[[name]]
  data <- list(events_t = d$ai, total_t = d$n1i, events_c = d$ci, total_c = d$n2i)
  for (measure in c("RR", "OR", "RD")) {
    for (method in uni_methods) {
      for (test in c("z", "knha")) {
        if (test == "knha" && length(d$ai) < 2) next
        res <- try(suppressWarnings(rma(measure = measure, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i,
                                        method = method, test = test, control = tight)), silent = TRUE)
        if (inherits(res, "try-error")) next
        add_case(paste(name, measure, method, test, sep = "/"), measure, method, test, data,
                 summarise_uni(res, measure))
      }
    }
    res <- try(suppressWarnings(rma.mh(measure = measure, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i)), silent = TRUE)
    if (!inherits(res, "try-error") && !is.na(res$beta)) {
      add_case(paste(name, measure, "MH", "z", sep = "/"), measure, "MH", "z", data,
               list(k = res$k, estimate = num(res$beta), se = num(res$se), ci_lb = num(res$ci.lb),
                    ci_ub = num(res$ci.ub), stat = num(res$zval), p = num(res$pval), i2 = num(res$I2),
                    h2 = num(res$H2), q = num(res$QE), q_p = num(res$QEp),
                    weights = unname(as.numeric(weights(res)))))
    }
  }
  res <- try(suppressWarnings(rma.peto(ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i)), silent = TRUE)
  if (!inherits(res, "try-error")) {
    add_case(paste(name, "OR", "PETO", "z", sep = "/"), "OR", "PETO", "z", data,
             list(k = res$k, estimate = num(res$beta), se = num(res$se), ci_lb = num(res$ci.lb),
                  ci_ub = num(res$ci.ub), stat = num(res$zval), p = num(res$pval), i2 = num(res$I2),
                  h2 = num(res$H2), q = num(res$QE), q_p = num(res$QEp),
                  weights = unname(as.numeric(weights(res)))))
  }
}

# ---- Generic yi/vi and hazard ratios ----------------------------------------------------------
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
gen_sets <- list(
  bcg_logrr = list(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi)),
  identical = list(yi = c(0.2, 0.2, 0.2, 0.2), vi = c(0.01, 0.02, 0.03, 0.05)),
  huge_heterogeneity = list(yi = c(-3, 0, 3, 6), vi = c(0.01, 0.01, 0.01, 0.01))
)
set.seed(7)
gen_sets$large_k <- list(yi = rnorm(300, 0.3, 0.4), vi = runif(300, 0.01, 0.2))
for (name in names(gen_sets)) {
  d <- gen_sets[[name]]
  for (method in uni_methods) {
    for (test in c("z", "knha")) {
      res <- try(rma(yi = d$yi, vi = d$vi, method = method, test = test, control = tight), silent = TRUE)
      if (inherits(res, "try-error")) next
      add_case(paste(name, "GEN", method, test, sep = "/"), "GEN", method, test, list(yi = d$yi, vi = d$vi),
               summarise_uni(res, "GEN"))
    }
  }
}
hr <- list(hr = c(0.75, 0.68, 0.62, 0.38, 0.50), ci_lb = c(0.64, 0.54, 0.36, 0.18, 0.39),
           ci_ub = c(0.88, 0.85, 1.07, 0.80, 0.64))
hr_yi <- log(hr$hr); hr_vi <- ((log(hr$ci_ub) - log(hr$ci_lb)) / (2 * qnorm(0.975)))^2
for (method in uni_methods) {
  for (test in c("z", "knha")) {
    res <- rma(yi = hr_yi, vi = hr_vi, method = method, test = test, control = tight)
    add_case(paste("hazard_ratios", "HR", method, test, sep = "/"), "HR", method, test, hr, summarise_uni(res, "HR"))
  }
}

# ---- Leave-one-out and subgroups (BCG, REML) --------------------------------------------------
res <- rma(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg, control = tight)
l1o <- leave1out(res)
sub <- lapply(split(seq_len(nrow(dat.bcg)), dat.bcg$alloc), function(i)
  rma(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg[i, ], control = tight))
groups <- names(sub)
between <- rma(yi = sapply(sub, function(r) r$beta), sei = sapply(sub, function(r) r$se), method = "EE")
sensitivity <- list(
  leave_one_out = list(estimate = as.numeric(l1o$estimate), se = as.numeric(l1o$se), tau2 = as.numeric(l1o$tau2),
                       i2 = as.numeric(l1o$I2), q = as.numeric(l1o$Q)),
  subgroups = list(alloc = as.character(dat.bcg$alloc), groups = groups,
                   estimate = unname(sapply(sub, function(r) as.numeric(r$beta))),
                   tau2 = unname(sapply(sub, function(r) r$tau2)),
                   q_between = between$QE, q_between_p = between$QEp)
)

# ---- Single-proportion intervals ---------------------------------------------------------------
z <- qnorm(0.975)
intervals <- lapply(list(c(0, 10), c(1, 10), c(9, 23), c(4, 7), c(10, 10), c(116, 153), c(0, 1), c(1, 1), c(57, 1000)), function(xn) {
  x <- xn[1]; n <- xn[2]; p <- x / n
  cp <- c(if (x == 0) 0 else qbeta(0.025, x, n - x + 1), if (x == n) 1 else qbeta(0.975, x + 1, n - x))
  wil <- (p + z^2 / (2 * n) + c(-1, 1) * z * sqrt(p * (1 - p) / n + z^2 / (4 * n^2))) / (1 + z^2 / n)
  jef <- c(if (x == 0) 0 else qbeta(0.025, x + 0.5, n - x + 0.5), if (x == n) 1 else qbeta(0.975, x + 0.5, n - x + 0.5))
  nt <- n + z^2; pt <- (x + z^2 / 2) / nt
  ac <- c(max(0, pt - z * sqrt(pt * (1 - pt) / nt)), min(1, pt + z * sqrt(pt * (1 - pt) / nt)))
  list(events = x, total = n, clopper_pearson = cp, wilson = wil, jeffreys = jef, agresti_coull = ac)
})

cat(toJSON(list(metafor = as.character(packageVersion("metafor")), lme4 = as.character(packageVersion("lme4")),
                cases = cases, sensitivity = sensitivity, intervals = intervals),
           auto_unbox = TRUE, digits = NA, null = "null", na = "null"))
