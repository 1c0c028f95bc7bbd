"""Monitoring, observability and feature-flag services.

Written for pitstop from the providers' public documentation of their token
formats.  Examples are split string literals so this file does not match itself.
"""

from __future__ import annotations

from pitstop.scan.rule import Rule
from pitstop.scan.rules._build import keyed, token

RULES: tuple[Rule, ...] = (
    token(
        'sentry-org-token', 'Sentry organization auth token',
        r'\b(sntrys_eyJ[A-Za-z0-9+/=_\-]{80,})',
        ('sntrys_',),
        true=(
            'sntrys_eyJibqGV+iux5jxYi4QOcpIVkD160DJwPkMXt0hgDoJJnZEm4ZNbd' 'PiuV4IwRyEvcQxs'
            'Tg+JJybbttq+v1rrJTp4nESFyrmUOSK5O1ym/gJuL+R8CimFj2ZLUC4gsFpM' '7w2VNxQZsRmhDVc',
        ),
        false=('sntrys_eyJMb1jo' 'cKC502bEc6+pUi7',),
    ),
    token(
        'sentry-user-token', 'Sentry user auth token',
        r'\b(sntryu_[a-f0-9]{64})\b',
        ('sntryu_',),
        true=('sntryu_24afff850781e3c3360feba97d59' 'e93012d5eddd821a51eac51bcb6cf7c98049',),
        false=('sntryu_fe3670' 'c119a27784e076',),
    ),
    keyed(
        'sentry-auth-token', 'Sentry auth token (64 hex)',
        ('sentry',), r'[a-f0-9]{64}',
        true=(
            'SENTRY_API_KEY = "eac4edfc389796ef1ce7065'
            '9320ff9b7edcba58b69ca6bc96378605c9404d984"',
            'sentry_token: 7e84e65e014cace96e0e353be' '11c2ac8c83bfcfe0b1be689dddfe25b5c2870a9',
        ),
        false=(
            'request_id = "70b409fbf21af6f3844c1140b' '092966617112862045f5b78d09fe4c96416c23e"',
            'sentry_key = "da655310b' '1f84cf39e0c92cfe70de9bd"',
        ),
    ),
    token(
        'newrelic-user-key', 'New Relic user API key',
        r'\b(NRAK-[A-Z0-9]{27})\b',
        ('nrak-',),
        true=('NRAK-66T5KK7UX8S' 'WXTUS85K1H18L7KV',),
        false=('NRAK-AB' '18KOIBBZ',),
    ),
    token(
        'newrelic-insert-key', 'New Relic insights insert key',
        r'\b(NRII-[A-Za-z0-9_\-]{32})\b',
        ('nrii-',),
        true=('NRII-OsQH1DFVGc91X' 'EIQ-LTomSNXJjOKIMck',),
        false=('NRII-7f' 'Sbkqf1se',),
    ),
    token(
        'newrelic-browser-key', 'New Relic browser API key',
        r'\b(NRJS-[a-f0-9]{19})\b',
        ('nrjs-',),
        true=('NRJS-e468f36' 'ff9232d0070d',),
        false=('NRJS-5' 'c934795',),
    ),
    token(
        'newrelic-license-key', 'New Relic ingest license key',
        r'\b([a-f0-9]{36}NRAL)\b',
        ('nral',),
        true=('abf5d7e8a39b28291ad0' '2ccffa867c36bfbeNRAL',),
        false=('41c073760bc0' '7db23b90NRAL',),
    ),
    keyed(
        'datadog-api-key', 'Datadog API key',
        ('datadog', 'dd_api'), r'[a-f0-9]{32}',
        true=(
            'DATADOG_API_KEY = "efc7c5a' '97c7eaed093dfebd3f9792267"',
            'datadog_token: 1754aea0' '71c6a337df54975fa72c9fb0',
        ),
        false=(
            'request_id = "19f2cebc1' 'fee100a0d6711cf26a5ccbb"',
            'datadog_key = "3' '0ed0a18ff701ee1"',
        ),
    ),
    keyed(
        'datadog-app-key', 'Datadog application key',
        ('datadog', 'dd_app'), r'[a-f0-9]{40}',
        true=(
            'DATADOG_API_KEY = "3a71cd3c728' 'bfe38915940c77c98792aeaea284b"',
            'datadog_token: 3b41f80fdbf2' '97b8c185753839e03cb089ea5462',
        ),
        false=(
            'request_id = "981b6048e9d7f' '6db4b65709451e9efd3272012de"',
            'datadog_key = "b1a' '81a8abbcb64d9d585"',
        ),
    ),
    token(
        'grafana-cloud-token', 'Grafana Cloud access policy token',
        r'\b(glc_[A-Za-z0-9+/]{32,400}={0,2})',
        ('glc_',),
        true=(
            'glc_C0Kss/prlm8x7evCCdvMQKIgQJ/yijPG9V2jyv'
            'uJVJFx2H2gi6FPxZU6CZPcyfbu22xJkLi4E2amhUp2',
        ),
        false=('glc_/VuR' 'PXOMugoo',),
    ),
    token(
        'grafana-service-account-token', 'Grafana service account token',
        r'\b(glsa_[A-Za-z0-9]{32}_[a-f0-9]{8})\b',
        ('glsa_',),
        true=('glsa_VZY4w6XV6Ef5BXD0wl' '2JH9kNo7etrajK_0b0708a9',),
        false=('glsa_kcjVM7dL' '7War_8af273e5',),
    ),
    token(
        'grafana-api-key', 'Grafana API key (legacy)',
        r'\b(eyJrIjoi[A-Za-z0-9]{70,400}={0,2})',
        ('eyjrijoi',),
        true=(
            'eyJrIjoipWdlwRjc3xImdiDfzxcqdeBbJQxybvaU2OgRDXyKY'
            '4Vf6jlyYiGGEhE2hdnASlW3uijm9Kqzb0binWiqHsgki4Ns79',
        ),
        false=('eyJrIjoi3sdOD5' 'q50lhrsvRDauu4',),
    ),
    keyed(
        'honeycomb-api-key', 'Honeycomb API key',
        ('honeycomb',), r'(?:hc[a-z]i[kc]_[a-z0-9]{58}|[A-Za-z0-9]{22}|[a-f0-9]{32})',
        true=(
            'HONEYCOMB_API_KEY = "hcaik_qlk4ike7xwfz2hvk'
            '3wiiwa6m8gdbsoyskus11pylrdg1t0vzo10tryvjnv"',
            'honeycomb_token: hcaik_bvkholhwakaxg0smr'
            'ocjr68d93pwi40n6d3t0v2a3z0fhwuabdwkv3k33a',
        ),
        false=(
            'request_id = "hcaik_qssmfp9ialm0ckhzu7k' 'nmds2zxbaq0d5tqr4cdsofge9ckh7d9uksskw63"',
            'honeycomb_key = "hcaik_1ng' 'bp2n8lgmmh1g7wm5977qezxs6d"',
        ),
    ),
    token(
        'dynatrace-token', 'Dynatrace API token',
        r'\b(dt0[a-z]\d{2}\.[A-Z0-9]{24}\.[A-Z0-9]{64})\b',
        ('dt0c01.', 'dt0s01.'),
        true=(
            'dt0c01.3BM93IGL4YVKDDTXLGTDV9H4.18YIP6J2SQST471U'
            'AOO6YLN9DVHX0MT4TSKP41165B9RHB1RL4B6B5AVQB8OJPCL',
        ),
        false=('dt0c01.HLK425XG3YK9T4GFSVB' 'FR641.B42IR9AAREJL36PAG851',),
    ),
    keyed(
        'sumologic-access-key', 'Sumo Logic access key',
        ('sumo',), r'[A-Za-z0-9]{64}',
        true=(
            'SUMO_API_KEY = "ByADlsfg91ykI3r7iteEeCww'
            'altjFwHr22xByd123xP9ZYzhFrVZvYEcrziRiRLj"',
            'sumo_token: l7RvkTuRHDsuF7eprzbQitIasw' '8vIrCQu2HmQrs4ASG7gprqfM35OpmTmUAfC5EB',
        ),
        false=(
            'request_id = "aP773enPl1nsMUSVUJXa8fbwD' 'CnPgHG9NWPMpKvzQuMYlvrlAThU3tOZjyMf6gcS"',
            'sumo_key = "QMX40sTp78' 'HhYSbCyJsGo1plHxRUAABv"',
        ),
    ),
    keyed(
        'pagerduty-token', 'PagerDuty API token',
        ('pagerduty',), r'u\+[A-Za-z0-9_+\-]{18}|[A-Za-z0-9_+\-]{20}',
        true=(
            'PAGERDUTY_API_KEY = "' 'u+uBYLQH4qodXFsskCLf"',
            'pagerduty_token: u' '+Czd7g5Mayn0xj-AHFP',
        ),
        false=('request_id = "u+J' 'if0_77cwkLqRSwyud"', 'pagerduty_key ' '= "u+mqM4nAlIO"',),
    ),
    keyed(
        'opsgenie-api-key', 'Opsgenie API key',
        ('opsgenie',), r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
        true=(
            'OPSGENIE_API_KEY = "ce88aa43' '-2e23-a8ce-7e6f-bb9d25b171eb"',
            'opsgenie_token: 1418824c-e' 'f11-8328-4ee0-787abe0d9de9',
        ),
        false=(
            'request_id = "a0ca6c5f-e5' 'b3-ef14-6d33-2f18e6677a14"',
            'opsgenie_key = ' '"921286d4-b959"',
        ),
    ),
    token(
        'launchdarkly-key', 'LaunchDarkly API access token or SDK key',
        r'\b((?:api|sdk)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b',
        ('api-', 'sdk-'),
        true=('sdk-b0278482-c7e9-e9' '49-fb35-90b659c2956a',),
        false=('sdk-4b' 'e31507',),
    ),
    keyed(
        'rollbar-token', 'Rollbar access token',
        ('rollbar',), r'[a-f0-9]{32}',
        true=(
            'ROLLBAR_API_KEY = "a6560f9' 'd407d354f18a18a28d73ab34c"',
            'rollbar_token: c7261172' '1c388465484b36408650fcca',
        ),
        false=(
            'request_id = "c6ac16f83' '6b07f22100882c825801238"',
            'rollbar_key = "2' 'a23676fc7c74b61"',
        ),
    ),
    keyed(
        'bugsnag-api-key', 'Bugsnag API key',
        ('bugsnag',), r'[a-f0-9]{32}',
        true=(
            'BUGSNAG_API_KEY = "004de41' '72b44919ed3801b1a5cc8fa75"',
            'bugsnag_token: 323745f6' 'b8ebcd2308a5a719a653fee6',
        ),
        false=(
            'request_id = "101a8b7cc' '691ebc5bb3878875b540bc9"',
            'bugsnag_key = "e' '6280bb5b1537324"',
        ),
    ),
    keyed(
        'algolia-api-key', 'Algolia admin API key',
        ('algolia',), r'[a-f0-9]{32}',
        true=(
            'ALGOLIA_API_KEY = "a1374c5' '39caeea4555d42cdcce33809a"',
            'algolia_token: 30f3378d' '8d4cc192c041b8cfd55e93d4',
        ),
        false=(
            'request_id = "e895d8f1b' '37bc791eb6b2ca6db5ee0fa"',
            'algolia_key = "c' 'ede5e01f9ae1d1e"',
        ),
    ),
    token(
        'mapbox-secret-token', 'Mapbox secret access token',
        r'\b(sk\.eyJ[A-Za-z0-9_\-]{50,}\.[A-Za-z0-9_\-]{20,})',
        ('sk.eyj',),
        true=(
            'sk.eyJC2jAX-nREhDZUdOPm21bhb4reDcGfE1Bzjgo70'
            'ieVQ-ZHhX6J9B3C95UjMBa.kJAnnqzE9gAcP0ROwgerKK',
        ),
        false=('sk.eyJ6W2miWJqYw.aL' 'ralxkZut1S_6wFZ57mCq',),
    ),
)
