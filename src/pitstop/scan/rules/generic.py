"""Generic assignments, headers and tokens without a provider prefix.

Written for pitstop from the providers' public documentation of their token
formats.  Examples are split string literals so this file does not match itself.
"""

from __future__ import annotations

from pitstop.scan.rule import Rule
from pitstop.scan.rules._build import token

RULES: tuple[Rule, ...] = (
    token(
        'generic-password', 'Password assigned in code or configuration',
        r'''(?i)[\w.\-]*(?:password|passwd|passphrase|pwd)[\w.\-]*[\"']?\s*(?:=|:|:=|=>)\s*[rbuf]?[\"'`]([^\"'`\s\\]{6,128})[\"'`]''',
        ('password', 'passwd', 'passphrase', 'pwd'),
        true=('db_password = "X' 'k9#RGAIPr1f$vL7"',),
        false=('password =' ' "changeme"',),
        entropy=2.8,
        generic=True,
    ),
    token(
        'generic-api-key', 'Secret, token or API key assigned in code or configuration',
        r'''(?i)[\w.\-]*(?:secret|token|api[_\-]?key|apikey|access[_\-]?key|auth[_\-]?key|private[_\-]?key|credentials?|signing[_\-]?key|encryption[_\-]?key)[\w.\-]*[\"']?\s*(?:=|:|:=|=>)\s*[rbuf]?[\"'`]([A-Za-z0-9_\-+/=.~!@#$%^&*]{12,256})[\"'`]''',
        ('secret', 'token', 'api_key', 'api-key', 'apikey', 'access_key', 'access-key', 'auth_key', 'private_key', 'credential', 'signing_key', 'encryption_key'),  # noqa: E501
        true=('client_secret: "5HjkZoul' 'MakcJX5bxIkYPdHpFpzy8h7G"',),
        false=('api_key = "you' 'r-api-key-here"',),
        entropy=3.5,
        generic=True,
    ),
    token(
        'generic-env-assignment', 'Secret in a shell or .env assignment',
        r'''(?m)^\s*(?:export\s+)?[A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)[A-Z0-9_]*\s*=\s*([^\s\"'#$`(){}\[\]<>,;]{8,256})[ \t]*$''',  # noqa: E501
        ('password', 'passwd', 'secret', 'token', 'api_key', 'apikey', 'access_key', 'private_key', 'credential'),  # noqa: E501
        true=('export SERVICE_TOKEN=h1WqX' 'i2iKfsAnnpSWoDhI6QjaTKYbpsj',),
        false=('API_TOKEN=$' '{API_TOKEN}',),
        entropy=3.0,
        generic=True,
    ),
    token(
        'generic-config-value', 'Secret in a YAML / INI / properties value',
        r'''(?im)^\s*[\w.\-]*(?:password|passwd|secret|token|api[_\-]?key)[\w.\-]*\s*[:=]\s*([^\s\"'#{}\[\]()<>,;$&*|!%@]{8,128})[ \t]*$''',  # noqa: E501
        ('password', 'passwd', 'secret', 'token', 'api_key', 'api-key'),
        true=('  db_password: ' 'Vq78X7WpEDElUKL',),
        false=('  password: $' '{DB_PASSWORD}',),
        entropy=3.0,
        generic=True,
        path='(?i)(?:\\.(?:ya?ml|ini|cfg|conf|cnf|properties|env|txt)|(?:^|/)(?:\\.env[\\w.\\-]*|\\.npmrc|\\.pypirc|\\.netrc|credentials))$',
    ),
    token(
        'basic-auth-header', 'HTTP Basic credentials in an Authorization header',
        r'''(?i)authorization[\"']?\s*[:=,]\s*[\"']?basic\s+([A-Za-z0-9+/]{12,}={0,2})''',
        ('basic ',),
        true=('headers = {"Authorization": "Basic' ' h9rzAYSgkVCApdNhqF32aQAIQLQD65pZ"}',),
        false=('"Authorization": ' '"Basic " + encoded',),
        entropy=3.0,
    ),
    token(
        'bearer-token-header', 'Bearer token in an Authorization header',
        r'''(?i)authorization[\"']?\s*[:=,]\s*[\"']?bearer\s+([A-Za-z0-9_\-.~+/]{20,}={0,2})''',
        ('bearer ',),
        true=(
            'curl -H "Authorization: Bearer yWBL5o4FrxvwW5-'
            '3rS1tFaqI3JLxBmhaCva3i-oB" https://api.acme.dev',
        ),
        false=('"Authorization": ' 'f"Bearer {token}"',),
        entropy=3.5,
        generic=True,
    ),
    token(
        'curl-user-password', 'Password passed to curl with -u/--user',
        r'''(?i)\bcurl\b[^\n]*?\s(?:-u|--user)\s*[\"']?[^:\s\"']+:([^\s\"']{4,128})''',
        ('curl',),
        true=('curl -u deploy:Pw76VrPjCqHbJt' '8 https://api.acme.dev/deploy',),
        false=('curl -u "$USER:$PASS"' ' https://api.acme.dev',),
        generic=True,
    ),
    token(
        'netrc-password', 'Password in a .netrc / _netrc entry',
        r'''(?i)\bmachine\s+\S+\s+login\s+\S+\s+password\s+([^\s\"'\\]{6,128})''',
        ('password',),
        true=('machine api.acme.dev login de' 'ploy password Kd8H6tMTZeI5vsi',),
        false=('machine api.acme' '.dev login deploy',),
        generic=True,
    ),
    token(
        'htpasswd-hash', 'Password hash in an htpasswd / shadow style entry',
        r'(?m)^[\w.\-@]+:(\$(?:apr1|2[aby]|5|6)\$[./A-Za-z0-9$]{20,})',
        ('$apr1$', '$2y$', '$2a$', '$2b$', '$5$', '$6$'),
        true=('admin:$apr1$d4ua1S7c$' 'asbKjW6ek4oLBvLkVQiWg4',),
        false=('admin:' '$apr1$',),
    ),
    token(
        'jwt', 'JSON Web Token',
        r'\b(eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,})',
        ('eyj',),
        true=(
            'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJMO4D8g6gahPPvHSgmeASLg0QJkhK3k4u'
            'JmVBL3IK0Ff_yTde0Wv21553t7iw.1EGOQmEKWGeCMCGwPvuntrzjUrQmyEnVhO42gTfX2Py',
        ),
        false=('eyJhbGciOiJI' 'UzI1NiJ9.e30.',),
        entropy=3.0,
    ),
    token(
        'sentry-dsn', 'Sentry DSN with its key',
        r'(https://[a-f0-9]{32}@(?:o\d+\.)?ingest(?:\.[a-z]+)?\.sentry\.io/\d+)',
        ('ingest',),
        true=('https://e03a613c635fd404ecc0693a27b9' '5a50@o003198.ingest.sentry.io/0930640',),
        false=('https://public@se' 'ntry.example.com/1',),
    ),
    token(
        'pypirc-password', 'Password in a .pypirc',
        r'(?m)^\s*password\s*[:=]\s*(pypi-[A-Za-z0-9_\-]{50,}|[^\s()\[\]{},;]{8,128})[ \t]*$',
        ('password',),
        true=('[pypi]\nusername = __token__\npas' 'sword = Dq3cYG9Oud9kxEz8x2JK09d',),
        false=('passw' 'ord = ',),
        generic=True,
        path='(?i)(?:^|/)[._]?pypirc$|\\.(?:ini|cfg)$',
    ),
)
