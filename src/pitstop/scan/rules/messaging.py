"""Email, SMS and push notification services.

Written for pitstop from the providers' public documentation of their token
formats.  Examples are split string literals so this file does not match itself.
"""

from __future__ import annotations

from pitstop.scan.rule import Rule
from pitstop.scan.rules._build import keyed, token

RULES: tuple[Rule, ...] = (
    token(
        'sendgrid-api-key', 'SendGrid API key',
        r'\b(SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})\b',
        ('sg.',),
        true=('SG.njuL_l6WpEKWob7oLyMvTq.kYPXg-Ul' 'YOjAIn13XwZwZvE8gnbXOXlO6jk5oJVdBXG',),
        false=('SG.ptAO5pKbAXl7KaGBbqJV' 'LZ.pd_6fpyoDbNaR5HbaIz8',),
    ),
    token(
        'mailgun-api-key', 'Mailgun API key',
        r'\b(key-[a-f0-9]{32})\b',
        ('key-',),
        true=('MAILGUN_KEY=key-47517379' '8b331e90395dc32bab06a9e4',),
        false=('key-b5adb8' 'fe11d41616',),
    ),
    keyed(
        'mailgun-signing-key', 'Mailgun webhook signing key',
        ('mailgun',), r'[a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8}',
        true=(
            'MAILGUN_API_KEY = "a840d1a950b92814' '11766a6536276b58-d873d2c4-4f62d462"',
            'mailgun_token: f85776a2939c0090f' '18d738a574cf0d7-9e18306f-2ba3e278',
        ),
        false=(
            'request_id = "983af0819ac5b4135c' '95147487478542-38be79d7-2a91d096"',
            'mailgun_key = "186b87' '3d8bd2febf-8d06-259d"',
        ),
    ),
    token(
        'mailchimp-api-key', 'Mailchimp API key',
        r'\b([a-f0-9]{32}-us[0-9]{1,2})\b',
        ('-us',),
        true=('16b48264e8060f9992' '28ad55e63838de-us21',),
        false=('61a97d9b6d' '2f45e2-us21',),
    ),
    token(
        'mandrill-api-key', 'Mailchimp Transactional (Mandrill) API key',
        r'''(?i)(?:mandrill|mailchimp)[\w.\-]{0,20}[\"']?\s*[:=]\s*[\"']?(md-[A-Za-z0-9_\-]{22})\b''',
        ('mandrill', 'mailchimp'),
        true=('MANDRILL_KEY = "md-go' 'LMyMhzaiKbBQnoGlcASy"',),
        false=('MANDRILL_KEY =' ' "md-CMfkrHnc"',),
    ),
    keyed(
        'postmark-server-token', 'Postmark server token',
        ('postmark',), r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
        true=(
            'POSTMARK_API_KEY = "fc0854a8' '-1bce-7408-b23f-2ca669064992"',
            'postmark_token: 5fe01c25-c' '5ba-a346-34a7-7eee3075c527',
        ),
        false=(
            'request_id = "773cb969-58' '5e-fb03-5b86-707b83f0ea4b"',
            'postmark_key = ' '"6a5902bc-c453"',
        ),
    ),
    keyed(
        'sparkpost-api-key', 'SparkPost API key',
        ('sparkpost',), r'[a-f0-9]{40}',
        true=(
            'SPARKPOST_API_KEY = "dab83f2693' 'c33ea2427693ad6ed40c2975c4bf50"',
            'sparkpost_token: 95f5ec947c7' '4ddbbb3f620580aa8f2cd543d7f34',
        ),
        false=(
            'request_id = "85a1d22d233e0' '5f5ca88080d685f35a49c5e4e7e"',
            'sparkpost_key = "42' 'd68a9ddcfbf1807ea7"',
        ),
    ),
    token(
        'brevo-api-key', 'Brevo (Sendinblue) API or SMTP key',
        r'\b(x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16})\b',
        ('xkeysib-', 'xsmtpsib-'),
        true=(
            'xkeysib-52521b2dd9193ed39649aa1820d10288523f'
            '072fe28fc9c032e02ff571d73267-sbQzNyzFah9pJrqk',
        ),
        false=('xkeysib-c177ac17f43daa9edeeafbe86bf6' 'bb8194036afd85f90ccea569416f18461b6d',),
    ),
    keyed(
        'mailjet-api-secret', 'Mailjet API secret',
        ('mailjet',), r'[a-f0-9]{32}',
        true=(
            'MAILJET_API_KEY = "9fdcadd' 'c2e3c68bf751c78dd2c65f25a"',
            'mailjet_token: ab697938' 'f0e91e70a2f3e48599580454',
        ),
        false=(
            'request_id = "7efe37ddc' '55e5b4768f130613f3e2596"',
            'mailjet_key = "1' '5781ce5bdbbaf49"',
        ),
    ),
    token(
        'resend-api-key', 'Resend API key',
        r'\b(re_[A-Za-z0-9]{8}_[A-Za-z0-9]{24})\b',
        (),
        true=('re_lZqH8OJM_Gg5jVa' 'kDjvIrSdfhV0iHDPFe',),
        false=('re_2Qkgkix' 'g_XLAHX6Lr',),
    ),
    token(
        'twilio-api-key', 'Twilio API key SID',
        r'\b(SK[a-f0-9]{32})\b',
        (),
        true=('TWILIO_API_KEY=SKd7f3f9f' 'f9c7c83cb9caf00da03717888',),
        false=('SKe8da38b' '9925b6e53',),
        entropy=3.0,
    ),
    keyed(
        'twilio-auth-token', 'Twilio auth token',
        ('twilio',), r'[a-f0-9]{32}',
        true=(
            'TWILIO_API_KEY = "3a4ba7f' 'c47652478197c45b2244d8c5d"',
            'twilio_token: 86c2754dc' 'a9625af5184dbea1ca0a179',
        ),
        false=(
            'request_id = "05d99cd74' '4812ec47935e9226cf7ea87"',
            'twilio_key = "4' '46d06bfdb0cb2c1"',
        ),
    ),
    keyed(
        'vonage-api-secret', 'Vonage (Nexmo) API secret',
        ('vonage', 'nexmo'), r'[A-Za-z0-9]{16}',
        true=('VONAGE_API_KEY = ' '"g2nRkfE1kIx9LRpO"', 'vonage_token: 9' 'RSkX9VL59K3zUN8',),
        false=('request_id = "S' 'qEwkSen6ePnPOhu"', 'vonage_key ' '= "laFJwprs"',),
    ),
    keyed(
        'messagebird-api-key', 'MessageBird API key',
        ('messagebird', 'message_bird'), r'[A-Za-z0-9]{25}',
        true=(
            'MESSAGEBIRD_API_KEY = "a' 'QYcoZ17ivt7yYvnJz96wNYRO"',
            'messagebird_token: Ybj' 'GERWUCHyhCXX0DUZxih8rg',
        ),
        false=(
            'request_id = "bJjTZr' 't90e9hn5hFhnUQ7P59Z"',
            'messagebird_key ' '= "tS7FPJhnuSyp"',
        ),
    ),
    keyed(
        'plivo-auth-token', 'Plivo auth token',
        ('plivo',), r'[A-Za-z0-9]{40}',
        true=(
            'PLIVO_API_KEY = "cEhLkqXAfVaT' 'Z44QL6sWPuBjYtUEdOfECjtJ4jYz"',
            'plivo_token: cCZhITJGMYyGz' '3uLNqyU1bAzsOe0IoesCjUg2tFv',
        ),
        false=(
            'request_id = "orOL4ARt9dZH4' 'J3GDRhhzBts01KSBoqSitJQeOmN"',
            'plivo_key = "w3e4' '7FGE3d6eJRdipp2R"',
        ),
    ),
    token(
        'telnyx-api-key', 'Telnyx API key',
        r'\b(KEY[0-9A-F]{32}_[A-Za-z0-9]{22})\b',
        (),
        true=('KEY79198361C9E2FE814DA5F714EB' '43553E_uR19vO1JpOzk7tikhbkbBI',),
        false=('KEY215E2965767AA1' 'E33BBCFB9BA5FD2AA4',),
    ),
    keyed(
        'sinch-api-secret', 'Sinch API secret',
        ('sinch',), r'[A-Za-z0-9_\-~.]{28,40}',
        true=(
            'SINCH_API_KEY = "s5Hrtq_' 'P8U7tphaE2dvVos-kZzRadB"',
            'sinch_token: haJ_jXjs' 'S3pdJQ-cgFkycuwWtxcg-Y',
        ),
        false=(
            'request_id = "T6NH6M4P' '39ELSKq0clfq0e0LZdjQA-"',
            'sinch_key = "x' 'vkMFTeFcCy03VJ"',
        ),
    ),
    keyed(
        'clicksend-api-key', 'ClickSend API key',
        ('clicksend',), r'[A-F0-9]{8}-[A-F0-9]{4}-[A-F0-9]{4}-[A-F0-9]{4}-[A-F0-9]{12}',
        true=(
            'CLICKSEND_API_KEY = "9010fa65' '-9344-8b2d-e4e7-b337f8d45375"',
            'clicksend_token: 8651500b-' '7ebe-b4f3-c687-665e1e13aaa0',
        ),
        false=(
            'request_id = "505274a5-da' '92-762d-3476-2700747c80ea"',
            'clicksend_key =' ' "c0b6cae3-a7fc"',
        ),
    ),
    keyed(
        'onesignal-api-key', 'OneSignal REST API key',
        ('onesignal',), r'(?:os_v2_app_)?[a-z0-9]{48,113}',
        true=(
            'ONESIGNAL_API_KEY = "os_v2_app_yk39kz9j38glw3ukoc12vefaif62z6gk0py'
            'bmjba1jplsgiufb4708yxu3xmk1omdeuq6wtlj8pyv2x4ab46jkwu9tsv7z6ze21y"',
            'onesignal_token: os_v2_app_kgi32sslvthnc5jtlig7tfjc9dtojmjauhzw'
            'xm30pqru2xgao0kfbdmrmul5mag1jvvmpjuncght0ilkcydkarkzcpm4ov2ibul4',
        ),
        false=(
            'request_id = "os_v2_app_kkvhlsp15st5v7a9qzkwubiwckz6u76svnpt22'
            'k7ao96ssfykdir24s9hiexo7pda9r4ql5ma09mowcrsd0oipcfuunh8ynet9o3"',
            'onesignal_key = "os_v2_a' 'pp_ci4epgwjrlf9cdmdxned"',
        ),
    ),
    token(
        'firebase-cloud-messaging-key', 'Firebase Cloud Messaging legacy server key',
        r'\b(AAAA[A-Za-z0-9_\-]{7}:[A-Za-z0-9_\-]{140})',
        ('aaaa',),
        true=(
            'AAAAl2BEknx:JIMH5_a1LJZYPZ5ey93yjfC-_Wf2zD9ahWt8NKfAGnkld-wB' 'T5jqjS2QOOfAi_GD'
            'u4ULZmowhMa2fDJz9ODgxmtDKe8jEawx8mPRQotAnux3DTtSjU4yasiWnsQE' 'xVlB5RDBlO2U0cHo',
        ),
        false=('AAAAXSS9e52:vEzpGLi4O' 'CL5zCeV-hmMDlazd-6jm2',),
    ),
    keyed(
        'expo-access-token', 'Expo access token',
        ('expo_token', 'expo_access', 'expo_api'), r'[A-Za-z0-9_\-]{40}',
        true=(
            'EXPO_TOKEN_API_KEY = "zW4Y7wvn7' '8v5M-Zhdbi6GUH1UVg8XC3jfFLE-rAD"',
            'expo_token_token: KHY9kiHzO1z' 'WjRx9LJnTm6uyEo8wnMSP8-cbBL0c',
        ),
        false=(
            'request_id = "ivZBt9RkdXnq7' '_pLlQL0AHpm068XbchUnzmArOx7"',
            'expo_token_key = "D' 'Uu9KYKHmkHDuJJuHQJE"',
        ),
    ),
    keyed(
        'customerio-api-key', 'Customer.io API key',
        ('customerio', 'customer_io'), r'[a-f0-9]{32}',
        true=(
            'CUSTOMERIO_API_KEY = "4a7d8' '2430db7a7bba1bced4b5b6f7aa6"',
            'customerio_token: f3fb9f0' 'ce96d90b6a90687e6861bdc63',
        ),
        false=(
            'request_id = "013f0b453' 'cca80fd18c40e2baeb2b7b9"',
            'customerio_key = ' '"c05aaf15f27af26b"',
        ),
    ),
)
