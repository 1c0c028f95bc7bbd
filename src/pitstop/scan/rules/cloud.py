"""Cloud providers: AWS, Google Cloud, Azure, Alibaba, Tencent, IBM, DigitalOcean.

Written for pitstop from the providers' public documentation of their token
formats.  Examples are split string literals so this file does not match itself.
"""

from __future__ import annotations

from pitstop.scan.rule import Rule
from pitstop.scan.rules._build import keyed, token

RULES: tuple[Rule, ...] = (
    token(
        'aws-access-key-id', 'AWS access key ID',
        r'\b((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16})\b',
        ('akia', 'asia', 'abia', 'acca', 'a3t'),
        true=('AKIAPYCDYB' 'K377OXTZQ6',),
        false=('AKIASV' 'IZX3OR',),
        stopwords=('example',),
    ),
    token(
        'aws-secret-access-key', 'AWS secret access key',
        r'''(?i)aws[\w.\-]{0,24}?(?:secret|sk)[\w.\-]{0,24}?[\"']?\s*(?:=|:|=>)\s*[\"']?([A-Za-z0-9/+]{40})(?:[\"'\s;,]|$)''',
        ('aws_secret', 'aws-secret', 'awssecret', 'aws.secret', 'aws_sk', 'secret_access', 'secretaccess', 'secret-access'),  # noqa: E501
        true=('aws_secret_access_key = "c/bzhHM5' 's6XXmyhXQ2b5Krp0R6uv1Czb3URj1MkP"',),
        false=('aws_secret_access_key =' ' "wX+ka7eVzTXR9pKO2jJc"',),
        entropy=3.5,
    ),
    token(
        'aws-session-token', 'AWS session token',
        r'''(?i)aws[\w.\-]{0,16}?session[\w.\-]{0,16}?token[\"']?\s*(?:=|:)\s*[\"']?([A-Za-z0-9/+=]{100,})''',
        ('session_token', 'sessiontoken', 'session-token'),
        true=(
            'AWS_SESSION_TOKEN=kLPxfb7bsV0Hd9oI22jC8fqf6Ca1ezExRDDmGG1MHZ'
            'lApi89aAY6sA7xxHv6l9UF9d8dxA+'
            'raNFbMkoo5kmozpi+OvPBr2cdJLT1bc5gCO7FCOPOfsHYao9h5SlWZCzJs6D'
            'dB1QRwmyjC/FWfP64ojXa+6eGqAis',
        ),
        false=('AWS_SESSION_TOKEN=mkSVRbSd37g' 'l4jAYtzWKjRJ/l+21dIKR4W7t2IUs',),
        entropy=4.0,
    ),
    token(
        'aws-mws-key', 'Amazon Marketplace Web Service auth token',
        r'\b(amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b',
        ('amzn.mws',),
        true=('amzn.mws.6b5cfb2d-9878' '-7303-e00f-3b21ea4ff07f',),
        false=('amzn.mws.e1' 'e33fbc-7291',),
    ),
    token(
        'aws-bedrock-api-key', 'Amazon Bedrock long-term API key',
        r'\b(ABSK[A-Za-z0-9+/]{100,}={0,2})',
        ('absk',),
        true=(
            'ABSKAkqZyuIT8PXBKCm5YEdSWQOIaVyXgj9bGI4YCoaW3Si7QIJlylSgHKCFsv'
            'oNH/lgU48QCLnX+qtlh9C0PQBuhUfkeLu6veX4ZiV6mQcw5q8vID64FOo7oVQu',
        ),
        false=('ABSKynyRicUUzfAraDRNRT' '8KsIFJfnALCrfSLF6ozOa+',),
    ),
    token(
        'gcp-api-key', 'Google Cloud / Firebase / Gemini API key',
        r'\b(AIza[0-9A-Za-z_\-]{35})(?:[^0-9A-Za-z_\-]|$)',
        ('aiza',),
        true=('AIzaEpiZHTOnk8qCv88' 'XvZVlGKgOY6-lMmRbWUe',),
        false=('AIzaSc3TKobV' 'Uo2lHKtu9XzR',),
    ),
    token(
        'gcp-service-account-key-id', 'Google Cloud service account private key ID',
        r'\"private_key_id\"\s*:\s*\"([0-9a-f]{40})\"',
        ('private_key_id',),
        true=('"private_key_id": "a965e648cb6' '4eee382e9f9732773c14b48072799"',),
        false=('"private_key_id": "d' 'a537901b73929a7552b"',),
    ),
    token(
        'gcp-oauth-client-secret', 'Google OAuth client secret',
        r'\b(GOCSPX-[A-Za-z0-9_\-]{28})\b',
        ('gocspx-',),
        true=('GOCSPX-w08h6fb5d2' 'mqt9xZw-t_Oj6pMpsq',),
        false=('GOCSPX-Ps' 'eiLCNOeMX-',),
    ),
    token(
        'google-oauth-access-token', 'Google OAuth access token',
        r'\b(ya29\.[0-9A-Za-z_\-]{30,})',
        ('ya29.',),
        true=(
            'ya29.GWSMR-Myvj-6wsPc9gyxdCG4baxL-l0BKxMccQRSVg1UTDwT2KlKw8YMF'
            'I34dCNTK7oMaodtjzWdy3fHOm4D9BVwtCemQdwj9WbZTDId8xxFdGULKdL6wkKR',
        ),
        false=('ya29.NWg' 'oL9GUxcyj',),
        entropy=3.5,
    ),
    token(
        'google-oauth-refresh-token', 'Google OAuth refresh token',
        r'\b(1//0[0-9A-Za-z_\-]{40,})',
        ('1//0',),
        true=(
            '1//0MDqftVFFEXlpUwMlpp_jKotrguRsir5wz8foi5PgE_v'
            'Z3gLx2DcqAcmry-Hv5TCjmL11BXEFdcLl_aubYZys1u_VCQ',
        ),
        false=('1//017CnYUzW' '2xgpCatmtavN',),
        entropy=3.5,
    ),
    token(
        'azure-storage-account-key', 'Azure storage account key',
        r'(?i)AccountKey=([A-Za-z0-9+/]{86}==)',
        ('accountkey=',),
        true=(
            'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=t'
            'MzRRKG2WuupV18/5q9cWUt5Q5oqdA'
            'nrohAVP6k5I6bvCiaC5l1y25VM1vFIDOTbdYRBi3X/00IgOCcYP/Y0Ry==;E'
            'ndpointSuffix=core.windows.net',
        ),
        false=('AccountKey=3apzYQikphTS4iz' '3fcTdwto12v+nb/vBoM703b9V==',),
    ),
    token(
        'azure-sas-token', 'Azure shared access signature',
        r'''(?i)[?&]sv=\d{4}-\d{2}-\d{2}[^\s\"']*?&sig=([A-Za-z0-9%+/]{30,}={0,2})''',
        ('sv=',),
        true=(
            'https://acme.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=o&sp=r'
            '&se=2030-01-01&sig=nWPq5MDLhSfZgLsogwN7xR7zvfSioWOIs94ic1JSjHdE%3D',
        ),
        false=('https://acme.blob.core.windows' '.net/c?sv=2022-11-02&sig=short',),
    ),
    token(
        'azure-ad-client-secret', 'Microsoft Entra ID (Azure AD) client secret',
        r'''(?:^|[\"'\s=:])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})(?:[\"'\s;,]|$)''',
        ('q~',),
        true=('client_secret = "1Ol8Q~qEScjA' 'Y5XrSuaEQggqqA0Mf25bYVFW0KHE"',),
        false=('client_secret = "' 'xkq8Q~lWaDhq3eCs"',),
    ),
    token(
        'azure-devops-pat', 'Azure DevOps personal access token',
        r'\b([A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4})\b',
        ('azdo',),
        true=(
            'tChHNl4fbYgIr12Itl4sWJrrF79NgFWFUz9qv3qkMw'
            'FarNmHk4jMtp2UGkV2hT9QicaaAZxyHt1XAZDOzjoO',
        ),
        false=('UHeTxskhRk24tP7R4mE' 'ja9wMwkrNg7AZDOjHoI',),
    ),
    keyed(
        'azure-devops-pat-legacy', 'Azure DevOps personal access token (52 characters)',
        ('azure', 'devops', 'ado_pat'), r'[a-z2-7]{52}',
        true=(
            'AZURE_API_KEY = "kxhf7kiwo5pjb5v23o' 'qkdnmntnk6d4x3f76hncnjoq3xa4bgztzu"',
            'azure_token: okxtrpnrxr62bb532ap' 'mzc5xk6zktgrlbjqwvulj5ivs5zmg4jpy',
        ),
        false=(
            'request_id = "x4ydufkhjqf7d3yu2sg' 'ezg2s54byxmlqlilofuxcgmrsckqco2g6"',
            'azure_key = "7pl6xbs' 'cdpgxak3qiudl3bwa3h"',
        ),
    ),
    token(
        'azure-service-bus-key', 'Azure Service Bus / Event Hubs shared access key',
        r'(?i)SharedAccessKey=([A-Za-z0-9+/]{43}=)',
        ('sharedaccesskey=',),
        true=(
            'Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=R'
            'oot;SharedAccessKey=/SaRUpFurXw64K0tWdihec40hcuDmTEt6X2ivpHatsU=',
        ),
        false=('SharedAccessKey=j4' 'RWQfTYddDRl64CA5MU=',),
    ),
    keyed(
        'azure-cosmosdb-key', 'Azure Cosmos DB account key',
        ('cosmos',), r'[A-Za-z0-9+/]{86}==',
        true=(
            'COSMOS_API_KEY = "cFQ5EbJ3peyfHHlSYURWHLZ45F7Gd+bNhNu'
            'UfkqVZPOJZWfOXPcyo4l4s9Ik3Evl4HSJh2OoOfW3ZW6epPIs23=="',
            'cosmos_token: +5Y4Riz84EKit/eM1ygqu3E7JcQahV5sZKMeO'
            'MGNCGmDVjiAWu4nw51qPMxFaxp+vK3m5diEbsTjoX71c2tPuS==',
        ),
        false=(
            'request_id = "1DatPR7gExo2qOE1QHROyoGZ4vLONy1ekndzU'
            'dYowhvxA3nxgozXdXVYZqvf5P8bgdGnZTANjCxCqvFYcYCuk1=="',
            'cosmos_key = "Dhw4F2X2o1gSuVqv' 'Z/QLg4e2HzjfvABxDHg0fNXQMJT=="',
        ),
    ),
    keyed(
        'azure-openai-key', 'Azure OpenAI API key',
        ('azure_openai', 'azureopenai', 'aoai'), r'[a-f0-9]{32}',
        true=(
            'AZURE_OPENAI_API_KEY = "ff71' '800142c8a60d9f72533ef1954113"',
            'azure_openai_token: e6a667' '8a98121a400cbcfc0c45b49a7d',
        ),
        false=(
            'request_id = "b1c450447' '5ffcac794e685c601b9015b"',
            'azure_openai_key =' ' "cdefadb46d41592a"',
        ),
    ),
    token(
        'alibaba-access-key-id', 'Alibaba Cloud AccessKey ID',
        r'\b(LTAI[A-Za-z0-9]{20})\b',
        ('ltai',),
        true=('LTAI62qaaJpP' 'FiLljD8uCImn',),
        false=('LTAIs0N' 'Z7D8Ja5',),
    ),
    keyed(
        'alibaba-access-key-secret', 'Alibaba Cloud AccessKey secret',
        ('alibaba', 'aliyun'), r'[A-Za-z0-9]{30}',
        true=(
            'ALIBABA_API_KEY = "mPci54' 'Iph6nIKpHiDQQNN4Qhm8FEQU"',
            'alibaba_token: vAOGZKq' 'ESD3eZdXGeicM3vWE3S1LAf',
        ),
        false=(
            'request_id = "JtGEgmFo' 'MuBngqPQADWdox72icAlYp"',
            'alibaba_key = "' 'pXIoPX9io92wL0P"',
        ),
    ),
    token(
        'tencent-secret-id', 'Tencent Cloud SecretId',
        r'\b(AKID[A-Za-z0-9]{32})\b',
        ('akid',),
        true=('AKIDUwGFaK2xUSyhPr' 'BTTnOn8QbFVlW3zOiX',),
        false=('AKID8dJ4' 'Y7WpOLWX',),
    ),
    keyed(
        'tencent-secret-key', 'Tencent Cloud SecretKey',
        ('tencent',), r'[A-Za-z0-9]{32}',
        true=(
            'TENCENT_API_KEY = "ldi8zjU' 'JFp7dfggX4x6GyLHECF7rbbre"',
            'tencent_token: DWoW6nCB' 'X8kR8gOqoBfKSPDBo6o8pM8d',
        ),
        false=(
            'request_id = "E7EMWhgCu' '4gmxipfpqXFMxbbeshhaA2H"',
            'tencent_key = "q' 'mPvkkT6Zd0s2HmH"',
        ),
    ),
    keyed(
        'ibm-cloud-api-key', 'IBM Cloud API key',
        ('ibm_cloud', 'ibmcloud', 'ibm_api', 'ibm-cloud'), r'[A-Za-z0-9_\-]{44}',
        true=(
            'IBM_CLOUD_API_KEY = "2shffH9dC490' 'lQ_D-8XmQlUQDXMHIFaHP1hsoMiHbvRv"',
            'ibm_cloud_token: orzEbTHH2Jr76' 'metW4U0nQcrIIZK5sLaptIprvHLG830',
        ),
        false=(
            'request_id = "vq0cMz4kYbAvT3M' 'ToxJ1oAPTDsjp8jqzgu5gZGXw7OZI"',
            'ibm_cloud_key = "ll3' 'X3BHz-C1Nr2f48FgbNT"',
        ),
    ),
    token(
        'digitalocean-pat', 'DigitalOcean personal access token',
        r'\b(dop_v1_[a-f0-9]{64})\b',
        ('dop_v1_',),
        true=('dop_v1_778b0443b40aed52295abb46e07a' '428bfa80e1ba8d9713f381eddabaabd3c0eb',),
        false=('dop_v1_a0093e4b28e' '4b777e53f9712895498',),
    ),
    token(
        'digitalocean-oauth-token', 'DigitalOcean OAuth access token',
        r'\b(doo_v1_[a-f0-9]{64})\b',
        ('doo_v1_',),
        true=('doo_v1_6bcea91a974868518a8c3b6a314a' 'e5b0f77841d4510cc06512697423ee57e8e8',),
        false=('doo_v1_adc3c348796' '74a12ddbbb7db9fa8d4',),
    ),
    token(
        'digitalocean-refresh-token', 'DigitalOcean OAuth refresh token',
        r'\b(dor_v1_[a-f0-9]{64})\b',
        ('dor_v1_',),
        true=('dor_v1_934562251317f3aadc6549cd85f0' '6e99dcd2d54cf1f87dd87ff79fb3b6eb67e7',),
        false=('dor_v1_d2939b5a32a' '792c3db66015fb8756f',),
    ),
    keyed(
        'linode-token', 'Linode / Akamai Cloud API token',
        ('linode',), r'[a-f0-9]{64}',
        true=(
            'LINODE_API_KEY = "2f8c50f3b21c93fc2b43b26'
            '01cce1a75d7b62819d0edf2a11f04e18369663047"',
            'linode_token: bf117617edd2e239646412f96' '9a6a67cf855fded19cbb9520e0f6c9011d9aba5',
        ),
        false=(
            'request_id = "55d27d7175cf6750f8f1eb786' '0a5dc3271924406250da7e595d940e790532ad9"',
            'linode_key = "d7c6c6b54' 'bcb7d7f151b3b7b954d8c04"',
        ),
    ),
)
