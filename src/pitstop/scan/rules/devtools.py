"""CI/CD, code quality and developer tooling.

Written for pitstop from the providers' public documentation of their token
formats.  Examples are split string literals so this file does not match itself.
"""

from __future__ import annotations

from pitstop.scan.rule import Rule
from pitstop.scan.rules._build import keyed, token

RULES: tuple[Rule, ...] = (
    token(
        'dockerhub-pat', 'Docker Hub personal or organization access token',
        r'\b(dckr_(?:pat|oat)_[A-Za-z0-9_\-]{27,32})\b',
        ('dckr_pat_', 'dckr_oat_'),
        true=('dckr_pat_CCuLWVHTB' 'Fj-4v6IKlXkop9oxTl',),
        false=('dckr_pat_G' '92xDqRlWpmn',),
    ),
    token(
        'docker-config-auth', 'Registry credentials in a Docker config.json',
        r'\"auth\"\s*:\s*\"([A-Za-z0-9+/]{20,}={0,2})\"',
        ('"auth"',),
        true=('"auths": {"ghcr.io": {"auth": "nZYmLq' 'JfjgtW7Aasoc+ByTc7DPdXOu80bWvMhIdK"}}',),
        false=('"auth": "' 'AjQ6jpsa"',),
        entropy=3.5,
    ),
    token(
        'jfrog-api-key', 'JFrog Artifactory API key',
        r'\b(AKCp[A-Za-z0-9]{69})\b',
        ('akcp',),
        true=('AKCp1gO9Q7tfSBmlsFiGLsB5WW3H1F2Tz2Ex' 'aj6fQXTLeNYFaEXtQHKic62zTUiiteqWeJdSV',),
        false=('AKCpD7BH2YCD' 'wWiu7KeC8Fdx',),
    ),
    token(
        'jfrog-reference-token', 'JFrog Artifactory reference token',
        r'\b(cmVmdGtu[A-Za-z0-9]{56})\b',
        ('cmvmdgtu',),
        true=('cmVmdGtuhR0HhWrUzjXdSRnbZoWv5GuH' '9bOlBSQneeUbz8EPlLOLb0CTRgMReZOC',),
        false=('cmVmdGtuwdm3Ol' 'bt1QWWjAb4gTv0',),
    ),
    token(
        'sonarqube-token', 'SonarQube / SonarCloud token',
        r'\b(sq[pau]_[a-f0-9]{40})\b',
        ('sqp_', 'sqa_', 'squ_'),
        true=('squ_66367c29028a26592a' 'ebab23b60b24a1d1e18dce',),
        false=('squ_09143305' 'a43940d9e1ed',),
    ),
    keyed(
        'snyk-token', 'Snyk API token',
        ('snyk',), r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
        true=(
            'SNYK_API_KEY = "08ccb26f-4' '616-4861-d0ff-ecffac4c5f96"',
            'snyk_token: 0c68e4c5-a38' '9-0cf1-4459-33bdc228ebca',
        ),
        false=(
            'request_id = "1b12e5de-ba' '26-90b1-557a-c892767df4e7"',
            'snyk_key = "4' 'ecc5933-16d2"',
        ),
    ),
    keyed(
        'codecov-token', 'Codecov upload token',
        ('codecov',), r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
        true=(
            'CODECOV_API_KEY = "4855d31e-' 'c1c0-63ab-5ad6-8c16ec71a420"',
            'codecov_token: adc4c075-0' 'd36-c14a-29d4-ef6edb15ba57',
        ),
        false=(
            'request_id = "6d14a794-57' '06-9668-a6d2-5658685a065d"',
            'codecov_key = ' '"09f402eb-cf7c"',
        ),
    ),
    token(
        'circleci-pat', 'CircleCI personal API token',
        r'\b(CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40})\b',
        ('ccipat_',),
        true=('CCIPAT_vP6UCn3TkJnE8YMNep0LkA_6038f' '3251b543bdfaee082e1fbcf77fe33df5d44',),
        false=('CCIPAT_IKkwtbnWz46HI' 'QUjWOGlJx_a83f82a2bc',),
    ),
    keyed(
        'circleci-token', 'CircleCI API token (40 hex)',
        ('circleci', 'circle_token'), r'[a-f0-9]{40}',
        true=(
            'CIRCLECI_API_KEY = "1a15fe54c4' '55ef3d7e532d2ea30ec320cfe01113"',
            'circleci_token: d333f2752495' '1bb53db0b52401e01a95c58131db',
        ),
        false=(
            'request_id = "24011650040f5' 'e18f2a2a1ba9aedfef9a319aac9"',
            'circleci_key = "bb' 'cb3d107abdc5db3197"',
        ),
    ),
    keyed(
        'travis-token', 'Travis CI token',
        ('travis',), r'[A-Za-z0-9_\-]{22}',
        true=(
            'TRAVIS_API_KEY = "FN' 'Ol8s671tdmlsvIpuNv1w"',
            'travis_token: 30Ay' 'D4p1ecAxtU8WcuTSnU',
        ),
        false=('request_id = "-E9t' 'xsTBEzpn8JuPmOi6_M"', 'travis_key = ' '"4vVMc5ePYKh"',),
    ),
    token(
        'buildkite-token', 'Buildkite API access token',
        r'\b(bkua_[a-f0-9]{40})\b',
        ('bkua_',),
        true=('bkua_53916848f299e595e' '0894d274b730853094971a2',),
        false=('bkua_0bbf67b' 'f1d390fc82fb1',),
    ),
    keyed(
        'drone-token', 'Drone CI token',
        ('drone',), r'[A-Za-z0-9]{32}',
        true=(
            'DRONE_API_KEY = "Xtl7ZVw2' 'W6qL3BILs8wDZRGstjwo9bLt"',
            'drone_token: eG7dvZAB1' '2hxR6j25omRePhsI094STYW',
        ),
        false=(
            'request_id = "2W3ylEcmd' 'KixmvhoSOvFDoL4Dbsx3A72"',
            'drone_key = "hp' 'kFf1TyCUPLBt3O"',
        ),
    ),
    token(
        'octopus-deploy-api-key', 'Octopus Deploy API key',
        r'\b(API-[A-Z0-9]{26,32})\b',
        ('api-',),
        true=('API-54WHWLEH44M' 'OVYDP8O0WYGVFTN',),
        false=('API-TK7' 'IKAM2WM',),
        entropy=3.2,
    ),
    token(
        'harness-pat', 'Harness personal or service account token',
        r'\b((?:pat|sat)\.[A-Za-z0-9_\-]{22}\.[a-f0-9]{24}\.[A-Za-z0-9]{20})\b',
        ('pat.', 'sat.'),
        true=('pat.RwONvmJlYPsKzF-vsUh1N4.bc7f1f1f7' '687d247b00c3334.luauDhriI2PePRLLC08v',),
        false=('pat.RaUYZwb_McDuGYJDy4x8I' 'g.7f29c159e12071183f220572',),
    ),
    token(
        'postman-api-key', 'Postman API key',
        r'\b(PMAK-[a-f0-9]{24}-[a-f0-9]{34})\b',
        ('pmak-',),
        true=('PMAK-2659e03d4ab850fb55461d3e-c9' '073665581b34a13d7dbecdd8e5e0600e',),
        false=('PMAK-0848c06d4c53a4c' 'e01fae1e2-85596eb40e',),
    ),
    token(
        'readme-api-key', 'ReadMe API key',
        r'\b(rdme_[a-z0-9]{70})\b',
        ('rdme_',),
        true=('rdme_cnb1n5uq71ylkb88nsa8yf5mmtnivme5' 'kjqfzj2v7smov8yp40zkic1ewo84ne8aq9qecx',),
        false=('rdme_ayrk336' 'mtw2910opo34u',),
    ),
    token(
        'sourcegraph-token', 'Sourcegraph access token',
        r'\b(sgp_(?:[a-f0-9]{16}_|local_)?[a-f0-9]{40})\b',
        ('sgp_',),
        true=('sgp_a51ee7e4bc302601_2304021c8' '2122bf5c57628e37b4c515412326018',),
        false=('sgp_ac99fdfa' '6aac0aab84f1',),
    ),
    keyed(
        'jenkins-api-token', 'Jenkins API token',
        ('jenkins',), r'11[a-f0-9]{32}',
        true=(
            'JENKINS_API_KEY = "1194f67e' '5c7f47cab2c54492b0bff54436"',
            'jenkins_token: 1130857a5' '8be326f291132739123d05a35',
        ),
        false=(
            'request_id = "11ba637836' 'bb5c0ea53e0e0993b3e4dcf5"',
            'jenkins_key = "11' 'bdf3bc0c7e1211ad"',
        ),
    ),
    keyed(
        'codacy-token', 'Codacy API token',
        ('codacy',), r'[A-Za-z0-9]{20}',
        true=(
            'CODACY_API_KEY = "J' 'lUvNVI5Df5Xl2EX2tkW"',
            'codacy_token: xxW' 'edrpb636D1kULdQCm',
        ),
        false=('request_id = "Ziq' 'ZY6M5NBQRfQ1X9dk6"', 'codacy_key =' ' "gVsofMIJaR"',),
    ),
    keyed(
        'coveralls-token', 'Coveralls repository token',
        ('coveralls',), r'[A-Za-z0-9]{32,37}',
        true=(
            'COVERALLS_API_KEY = "AwEDoA' 'GWOBzkVjpYcQdI93q7DxJITs3Vf"',
            'coveralls_token: fvus6yBC' 'rm6AAhVSwxJFOU9TmMdnFnNiB',
        ),
        false=(
            'request_id = "7zkteADtQ8' 'vXe6rGvWtHfrJcpxpW46naD"',
            'coveralls_key = "' 'N4pCwxxTN3QzNcoC"',
        ),
    ),
    token(
        'prefect-api-key', 'Prefect Cloud API key',
        r'\b(pnu_[A-Za-z0-9]{36})\b',
        ('pnu_',),
        true=('pnu_TMansgmIwnsfH5vT' 'SeWzgRw1oYddbqx97pJQ',),
        false=('pnu_9OSQ' 'dLzRHNo1',),
    ),
    token(
        'deno-deploy-token', 'Deno Deploy token',
        r'\b(dd[pw]_[A-Za-z0-9]{36})\b',
        ('ddp_', 'ddw_'),
        true=('ddp_px8Dwj0P9WW7GVqA' 'SRJX4Aij2xbTrMlXZ33K',),
        false=('ddp_z2w8' 'KAbNsk4d',),
    ),
    token(
        'frameio-token', 'Frame.io API token',
        r'\b(fio-u-[A-Za-z0-9_\-=]{64})',
        ('fio-u-',),
        true=('fio-u-eEjBRsO4ACtoFFMkbtwHu-gu-6s1Q' 'xrYIq8Gqju1IB8i1vZyEJLEU8QFUk19ZG3R',),
        false=('fio-u-IMqInYf' 't4nDxhyBrxLrR',),
    ),
)
