"""The library entry points: one function per job, each taking a validated pydantic config
(``tokenfab.schemas.<job>``) and returning a typed result. The CLI, the dashboard and the
tests call these; nothing here imports ``tokenfab.cli``.

| job        | function                                   | config -> result                      |
|------------|--------------------------------------------|---------------------------------------|
| run        | ``session.run.run``                        | RunConfig -> RunResult                |
| bench      | ``session.bench.bench``                    | BenchConfig -> BenchResult            |
| project    | ``session.project.project``                | ProjectConfig -> ProjectionResult     |
| tune       | ``session.tune.tune``                      | TuneConfig -> TuneResult              |
| eval       | ``session.evaluate.run_eval``              | EvalConfig -> EvalReport              |
| quantize   | ``session.quantize.quantize``              | QuantizeConfig -> QuantizeResult      |
| speculate  | ``session.speculate.speculate``            | SpeculateConfig -> SpeculateResult    |
| cost       | ``session.cost.price_rate``                | RateConfig -> RatePrice               |
| cost --run | ``session.cost.reprice_run``               | RepriceConfig -> RunSummary           |
| report     | ``session.report.report``                  | ReportConfig -> ReportResult          |
| serve      | ``session.serve.serve``                    | ServeConfig -> ServeResult            |
| claims     | ``session.claims.claims``                  | ClaimsConfig -> ClaimsResult          |
| plan       | ``session.plan.plan``                      | PlanConfig -> PlanResult              |

The same functions are importable from the top-level package (``tokenfab.project`` …;
``tune``, ``report`` and ``plan`` as ``tokenfab.tune_engine``, ``tokenfab.write_report`` and
``tokenfab.plan_factory``), loaded
lazily so that ``import tokenfab`` stays fast. ``session.engine`` builds and describes the
embedded llama.cpp tools; ``session.runs`` lists, shows and exports stored runs.
"""
