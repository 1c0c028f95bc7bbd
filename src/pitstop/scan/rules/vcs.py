"""Source hosting and package registries.

Written for pitstop from the providers' public documentation of their token
formats.  Examples are split string literals so this file does not match itself.
"""

from __future__ import annotations

from pitstop.scan.rule import Rule
from pitstop.scan.rules._build import keyed, token

RULES: tuple[Rule, ...] = (
    token(
        'github-pat', 'GitHub personal access token (classic)',
        r'\b(ghp_[A-Za-z0-9]{36})\b',
        ('ghp_',),
        true=('ghp_NHrt99aVENsyMjBt' 'VcZ4PUlIkLCqOCRAq0W9',),
        false=('ghp_dVCoJDH' 'gstZz8iZ6dg',),
    ),
    token(
        'github-fine-grained-pat', 'GitHub fine-grained personal access token',
        r'\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b',
        ('github_pat_',),
        true=(
            'github_pat_zwB6NT5nGa3doFPdIuURrO_FRstUpCWVCXM'
            'dUdxSODaqWpwr7VFVQ4Z0wjd3HTq5YJK5VWkxDfoYQNQkzH',
        ),
        false=('github_pat_byorUKSG4wYjDMAE' 'G8TNd3_675FB9nAic8P4t29dCLQ',),
    ),
    token(
        'github-oauth-token', 'GitHub OAuth access token',
        r'\b(gho_[A-Za-z0-9]{36})\b',
        ('gho_',),
        true=('gho_lV9PuEnCbLGdBhfQ' 'Q9NGSw8jCD9LSlPXAS8R',),
        false=('gho_JXu1GRX' 'cpkjuYrAWpT',),
    ),
    token(
        'github-app-user-token', 'GitHub App user-to-server token',
        r'\b(ghu_[A-Za-z0-9]{36})\b',
        ('ghu_',),
        true=('ghu_L0vKG57Uq8Jr7Son' 'fvVQYs6ksogadzvx3T3f',),
        false=('ghu_sx5UPG0' 'DiYBkvHRfsD',),
    ),
    token(
        'github-app-installation-token', 'GitHub App installation (server-to-server) token',
        r'\b(ghs_[A-Za-z0-9]{36})\b',
        ('ghs_',),
        true=('ghs_9pt1HZl7CeP9HWnZ' '7NIPutalEKL45wTi0IN5',),
        false=('ghs_UEALb47' 'uX5r6pelnwK',),
    ),
    token(
        'github-refresh-token', 'GitHub refresh token',
        r'\b(ghr_[A-Za-z0-9]{36,76})\b',
        ('ghr_',),
        true=(
            'ghr_ILHF3PSK66jS7zEGJ5gJbt6t82HA8D5gbXgh' 'SpnwdYOT6RZMPeZitk9T5Hu5LCa92f2HJTEmR0Np',
        ),
        false=('ghr_2xJgVve' 'PYLE3feo7yf',),
    ),
    token(
        'gitlab-pat', 'GitLab personal, project or group access token',
        r'\b(glpat-[A-Za-z0-9_\-]{20,300}(?:\.[A-Za-z0-9]{2}\.[a-z0-9]{9})?)\b',
        ('glpat-',),
        true=('glpat-72zkG0S' 'cDgXew7ZYUQsA',),
        false=('glpat-uo' 'A2_ai4Hj',),
        entropy=3.0,
    ),
    token(
        'gitlab-deploy-token', 'GitLab deploy token',
        r'\b(gldt-[A-Za-z0-9_\-]{20,})\b',
        ('gldt-',),
        true=('gldt-Y5wzLYo' 'X4w6ljYi4RquB',),
        false=('gldt-Cz' 'Bmk3ci-0',),
    ),
    token(
        'gitlab-runner-registration-token', 'GitLab runner registration token',
        r'\b(GR1348941[A-Za-z0-9_\-]{20})\b',
        ('gr1348941',),
        true=('GR1348941Y0GtP' 'Stn8Sn3mEyVcShm',),
        false=('GR1348941' 'aa6nE1bKMk',),
    ),
    token(
        'gitlab-runner-auth-token', 'GitLab runner authentication token',
        r'\b(glrt-[A-Za-z0-9_\-]{20,})\b',
        ('glrt-',),
        true=('glrt-_O4fhYT' 'xV3wkJFKs7o5m',),
        false=('glrt-_Z' 'EKDC0uS8',),
    ),
    token(
        'gitlab-pipeline-trigger-token', 'GitLab pipeline trigger token',
        r'\b(glptt-[a-f0-9]{40})\b',
        ('glptt-',),
        true=('glptt-10771dc572950f4ab' '548289854897e5aea099871',),
        false=('glptt-07efb13' 'e075db20434a1',),
    ),
    token(
        'gitlab-ci-job-token', 'GitLab CI/CD job token',
        r'\b(glcbt-[A-Za-z0-9_\-]{20,})\b',
        ('glcbt-',),
        true=('glcbt-bz7hs_fBya' 'BpGAXg_J52o0jRgv',),
        false=('glcbt-h' 'oq1IwRP',),
    ),
    token(
        'gitlab-feed-token', 'GitLab feed token',
        r'\b(glft-[A-Za-z0-9_\-]{20,})\b',
        ('glft-',),
        true=('glft-4ZMPGtu' 'ofLnoqHSK2jcq',),
        false=('glft-iQ' 'z_a3FKi6',),
    ),
    token(
        'gitlab-incoming-mail-token', 'GitLab incoming mail token',
        r'\b(glimt-[A-Za-z0-9_\-]{25,})\b',
        ('glimt-',),
        true=('glimt-KgfkswY2X' '506wkxomK32yOGeb',),
        false=('glimt-IT' '_-DSjLeP',),
    ),
    token(
        'gitlab-agent-token', 'GitLab agent for Kubernetes token',
        r'\b(glagent-[A-Za-z0-9_\-]{50,})\b',
        ('glagent-',),
        true=('glagent-s0tj9RsXiFh30DoT91C0J' 'Pqf2J9ifc7Dh8D4IkOLS-QpqfMXKy',),
        false=('glagent-q' '8OvlyFcGn',),
    ),
    token(
        'gitlab-oauth-app-secret', 'GitLab OAuth application secret',
        r'\b(gloas-[A-Za-z0-9_\-]{64})\b',
        ('gloas-',),
        true=('gloas-0GBXj67BDBoaD8fAb7WeS35yxW4G_' 'VEvQt9iwoaMHlNPo-SqeORZYLr0RywegGV5',),
        false=('gloas-UwYKo2P' 'KS_i-HyGddrtm',),
    ),
    token(
        'gitlab-scim-token', 'GitLab SCIM token',
        r'\b(glsoat-[A-Za-z0-9_\-]{20,})\b',
        ('glsoat-',),
        true=('glsoat-QCQYn2' 'fFQkA0RkNvTqX7',),
        false=('glsoat-n' 'Dtaj-MbZK',),
    ),
    token(
        'gitlab-feature-flag-token', 'GitLab feature flags client token',
        r'\b(glffct-[A-Za-z0-9_\-]{20,})\b',
        ('glffct-',),
        true=('glffct-4k7a_c' '7KOr6LyUMzf78y',),
        false=('glffct-s' 'LPCixCFyT',),
    ),
    token(
        'atlassian-api-token', 'Atlassian (Jira, Confluence, Bitbucket) API token',
        r'\b(ATATT3[A-Za-z0-9_\-=]{186})\b',
        ('atatt3',),
        true=(
            'ATATT3rZJ66JTg_H-QOh8xSJ8DJfFYvq6De9095cg0VH1HONWUz6olXIONBG'
            'od0i2bzAH9WvMe4QSEATyOL8eFf39aXwsEps'
            '8mvqKMc4zD9ZVMrIProt8HbY7Fy4GJOryw7BQaQEUiQrwlpUqOvTYW9px3nZ'
            'g6dw-_6vxsLPaS3nyJa0rYqixgRKmg19e8bK',
        ),
        false=('ATATT3DJ37atmgoJjP-JK5L' '27Ouc0r2yXuS6mPwcROztei',),
    ),
    token(
        'bitbucket-app-password', 'Bitbucket app password',
        r'\b(ATBB[A-Za-z0-9_=.\-]{32})\b',
        ('atbb',),
        true=('ATBB39HPUkSAgFkkKu' 'MOPVKFVxUseyp8kHt5',),
        false=('ATBBON2Y' 'SNNC9FKL',),
    ),
    token(
        'bitbucket-access-token', 'Bitbucket repository, project or workspace access token',
        r'\b(ATCTT3[A-Za-z0-9_\-=]{180,})\b',
        ('atctt3',),
        true=(
            'ATCTT3jlh6usekUKdo7W-0XDWkCzqsKp5HQGVeJKDHpGISYkPC4GWHgVMrIk'
            'Fu80lkWTx0KjNN8o4AfTGdqcBkVcdkDvQG8J'
            't2BcMWxwtkoUTlaL39_VKRH8tkOeFvM625vKDimiXUhpYCA2vUBS1cfqEVuR'
            '3KkVWLbLZ3wg4fQoC1iA5IySmDzi6126wy2s',
        ),
        false=('ATCTT3bCsK-Dqt02DUyxbt4' '4UUF5ndjoPllVr-JhdgTgOB',),
    ),
    keyed(
        'bitbucket-client-secret', 'Bitbucket OAuth consumer secret',
        ('bitbucket',), r'[A-Za-z0-9=_\-]{64}',
        true=(
            'BITBUCKET_API_KEY = "I4r4SZfZigk4_hfOU2rr3A'
            'WedeH7SLX6JRKbsVF_GBPrQId8cBKeEJ5ZFzjTvmRY"',
            'bitbucket_token: 0AUqSU_bC-ADB4vi5gPsAAC'
            'RwuV_CYVhT4ruKB73bis5LaPHRRvZ1vYYTw1l-tFI',
        ),
        false=(
            'request_id = "0AFRk8h8OXFXxCw4eroxTs16s' 'DIFyPgejJ-BPK7VIYdF57U9DuJ53yfeAuOP9XGD"',
            'bitbucket_key = "sEmn-cER' 'H4nI-pAW-EoaN0ZFoZkWmikU"',
        ),
    ),
    keyed(
        'atlassian-legacy-token', 'Atlassian API token (24 characters)',
        ('atlassian', 'confluence', 'jira'), r'[A-Za-z0-9]{24}',
        true=(
            'ATLASSIAN_API_KEY = "VD' '4q4eb2T4M6naiiAVbJ1fey"',
            'atlassian_token: 5jP' 'GED7cCJtKsHj40BTIALoQ',
        ),
        false=('request_id = "apxo4' 'zGx1ocTSUJkmJAl9RPd"', 'atlassian_key =' ' "p0MoBVZ2Yhwd"',),
    ),
    keyed(
        'gitea-token', 'Gitea / Forgejo access token',
        ('gitea', 'forgejo'), r'[a-f0-9]{40}',
        true=(
            'GITEA_API_KEY = "5a807aaa68a1' 'af7d781a723f6e803f53bcab1d91"',
            'gitea_token: fbc7ea14a0ac9' '40d144e1d0bc4cb74f7fddd8cec',
        ),
        false=(
            'request_id = "55de0db1a2254' '418f28b7a5833645ac841aca19e"',
            'gitea_key = "6399' '4450ffbb08c8532d"',
        ),
    ),
    token(
        'huggingface-token', 'Hugging Face access token',
        r'\b(hf_[A-Za-z]{34})\b',
        ('hf_',),
        true=('hf_agOEBHVGbdgqcRN' 'ZZhvoXfVqxZzRQcVHRe',),
        false=('hf_zNoAOw' 'ziRZHNHACS',),
    ),
    token(
        'huggingface-org-token', 'Hugging Face organization API token',
        r'\b(api_org_[A-Za-z]{34})\b',
        ('api_org_',),
        true=('api_org_qwmlBQKyICgME' 'kWgFzlsqYcHfTskBOgwom',),
        false=('api_org_LvRy' 'XOoMSjJwQuzt',),
    ),
    token(
        'npm-token', 'npm access token',
        r'\b(npm_[A-Za-z0-9]{36})\b',
        ('npm_',),
        true=('npm_GFMAie0PahGSfZST' '9VtBCLev8cns2P4wse9J',),
        false=('npm_c3bRd7l' 'Mz38g4RQDD1',),
    ),
    token(
        'npmrc-auth-token', 'npm registry auth token in .npmrc',
        r'(?i)_authToken\s*=\s*([A-Za-z0-9_\-.=]{20,})',
        ('_authtoken',),
        true=('//registry.acme.dev/:_authToken=R8gP' '4bVyhi-auEjUMM6DszPI6hEE3_ubVsGxgM_q',),
        false=('//registry.acme.dev/:_' 'authToken=${NPM_TOKEN}',),
        generic=True,
    ),
    token(
        'pypi-token', 'PyPI upload token',
        r'\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,})',
        ('pypi-ageichlwas5vcmc',),
        true=(
            'pypi-AgEIcHlwaS5vcmcyGY9JwGZ0VLiWBsOWsARIqrYq1lK_eJnpyZsDQScVqpvjKMMHB'
            'L4gX5j_E1Ngazl_DaZpoc4CvvvKK1SLL3qRgb4caJWhf8oAD74tKOgpzYZSdPYfDy1oPZ5',
        ),
        false=('pypi-AgEIcHlwaS5vcmc' 'WV_Wtf7Er-KOoGu2nd0X',),
    ),
    token(
        'testpypi-token', 'TestPyPI upload token',
        r'\b(pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9_\-]{50,})',
        ('pypi-agendgvzdc5wexbplm9yzw',),
        true=(
            'pypi-AgENdGVzdC5weXBpLm9yZw5fkFBc9Lii1rODmbCfRJkb9LhJHtg4RfRFuSIL9J8tstXq'
            '2euBI6f9QFhfARa-48rrtc5O1mxnZR7TVFLPwuwwfNka64ux7-CwO-EbKywlrygTlcGDm1t6ML',
        ),
        false=('pypi-AgENdGVzdC5weXBpLm' '9yZwH2YjAjHQg-Z37HaQewtV',),
    ),
    token(
        'rubygems-api-key', 'RubyGems API key',
        r'\b(rubygems_[a-f0-9]{48})\b',
        ('rubygems_',),
        true=('rubygems_04c22b8e8772bc29f4b' 'ec5aeddcf93ea0fac9a04d05e7af1',),
        false=('rubygems_8efd7' 'e76bdf3b46bedab',),
    ),
    token(
        'nuget-api-key', 'NuGet API key',
        r'\b(oy2[a-z0-9]{43})\b',
        ('oy2',),
        true=('oy2frtcxaaep3xgmbl1xzew' 'ct24xeatcew5pcfn0kp29a4',),
        false=('oy2476lb28w' 'e3fb810omn4u',),
    ),
)
