"""Chat, social networks and webhooks.

Written for pitstop from the providers' public documentation of their token
formats.  Examples are split string literals so this file does not match itself.
"""

from __future__ import annotations

from pitstop.scan.rule import Rule
from pitstop.scan.rules._build import keyed, token

RULES: tuple[Rule, ...] = (
    token(
        'slack-bot-token', 'Slack bot token',
        r'\b(xoxb-[0-9]{10,13}-[0-9]{10,13}(?:-[A-Za-z0-9]{24})?)\b',
        ('xoxb-',),
        true=('xoxb-791560938347-9739088426' '458-iqhN16A7jN3QroXnnRYsD0EB',),
        false=('xoxb-349' '83-34382',),
    ),
    token(
        'slack-user-token', 'Slack user token',
        r'\b(xox[pe](?:-[0-9]{10,13}){3}-[A-Za-z0-9]{28,34})\b',
        ('xoxp-', 'xoxe-'),
        true=(
            'xoxp-995747557874-537926922225-7414268' '566164-10c863d6e735f8072e95bf95d69aaa4e',
        ),
        false=('xoxp-342697162006-637227223952-' 'd51995034e66ee4ebd9da548acfe3943',),
    ),
    token(
        'slack-app-token', 'Slack app-level token',
        r'\b(xapp-\d-[A-Z0-9]+-\d+-[a-f0-9]+)\b',
        ('xapp-',),
        true=(
            'xapp-1-AEFNH2C2NHQ-2813471951552-523017f09298ee7'
            '756fa86a849f4af1f8f53072a6b1d0c7c256f62d4c6c592e9',
        ),
        false=('xapp-1' '-nothex',),
    ),
    token(
        'slack-config-token', 'Slack configuration access token',
        r'\b(xoxe\.xox[bp]-\d-[A-Z0-9]{163,166})\b',
        ('xoxe.xox',),
        true=(
            'xoxe.xoxp-1-HPGMQ6B0X2Q1MOAFXXU6ITVFL69R9X8F9W7ZD92UGKLHBP50'
            'G3CP2UBN8DP81WOBBLB9R9V08TPF'
            'QZOC51K0SLFR5KXNUGZ94Z43UQ4TW3W1WZM1VQDCG74Y4XW2BJZF70J8G1WW'
            'IFVVN3LQ0KD0NYBEK6G4H23QTSZW',
        ),
        false=('xoxe.xoxp-1-25QI9W50JZNRO7' 'NBZHA9LEQ1T6V2SKKILBYS8986',),
    ),
    token(
        'slack-config-refresh-token', 'Slack configuration refresh token',
        r'\b(xoxe-\d-[A-Z0-9]{146})\b',
        ('xoxe-',),
        true=(
            'xoxe-1-5JCASN3199ZMUE5SGCY45Y3C24G4VIROD8AVRJA0BC9N4Y78U1C01' 'K8TSP3M9HZBPZMOR'
            'B9IB2WOP4WGK99KPAHP2W5M5YTYWEEHEW7W2T24NDK4PM0RO6UPZ1SIE9NQY' '7PX5DXSIUW6MGARAD',
        ),
        false=('xoxe-1-9HNU4OQRT3RV5APH' '09LMSUZDJZ2YUVT8LECXJ094',),
    ),
    token(
        'slack-legacy-token', 'Slack legacy workspace or bot token',
        r'\b(xox[aors]-(?:\d+-){1,3}[A-Za-z0-9]{8,})\b',
        ('xoxa-', 'xoxo-', 'xoxr-', 'xoxs-'),
        true=('xoxs-6795357004-7444557996' '78-T3tZKuup7cwMcSYwxyLiUT1P',),
        false=('xoxs-' 'token',),
    ),
    token(
        'slack-webhook-url', 'Slack incoming webhook or workflow URL',
        r'(https?://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56})',
        ('hooks.slack.com',),
        true=(
            'https://hooks.slack.com/services/TSY4L' '5VJC/BDDS0Y0FG/PP3AzlEqcHzMzSa6jepBYjR6',
        ),
        false=('https://hooks.slack.com' '/services/T000/B000/XXXX',),
    ),
    token(
        'discord-bot-token', 'Discord bot token',
        r'\b([MNO][A-Za-z\d]{23,25}\.[\w\-]{6}\.[\w\-]{27,38})\b',
        ('discord',),
        true=(
            'discord_bot_token = "MTmy4J6omund2oCrJvx0YbJZ.'
            'iim4UX.m7J0pK1o3Cyqf_CiwXMjzuTV_pkGCIu4xuM8RH"',
        ),
        false=('discord_bot_token = "MTsGl' 'yPVKYAMm2tsFZDm1Pfs.N-a2o5"',),
    ),
    token(
        'discord-webhook-url', 'Discord webhook URL',
        r'(https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_\-]{60,68})',
        ('/api/webhooks/',),
        true=(
            'https://discord.com/api/webhooks/949913987652644350/DjI-2HFo'
            '2JbqzDdFRTYykKWSPBEJk8YxStg1G8te47wq-XAHEtr5RG24y5PKeLEfQeNp',
        ),
        false=('https://discord.com/api/web' 'hooks/611159831932406807/abc',),
    ),
    keyed(
        'discord-client-secret', 'Discord OAuth client secret',
        ('discord',), r'[A-Za-z0-9_\-]{32}',
        true=(
            'DISCORD_API_KEY = "qR5JMSU' 'Bv9Y5m_LoZrP0y1TtiVBWnYFi"',
            'discord_token: NDaBZCCL' 'ziYsnqKMmAt5RYqIxKDrO64n',
        ),
        false=(
            'request_id = "EUyBxyDNr' 'ng3iOi8ine8w6Ebd-cNp1Vb"',
            'discord_key = "G' 'pmLmsUP0fa3ZMNO"',
        ),
    ),
    token(
        'telegram-bot-token', 'Telegram bot token',
        r'(?:^|[^0-9])(\d{8,10}:AA[A-Za-z0-9_\-]{33})(?:[^A-Za-z0-9_\-]|$)',
        (':aa',),
        true=('bot6696995592:AAlPfCU5YX' 'aGBydq7i2oARRbIPTjRToXfpY',),
        false=('5670309106:ABGV9hUTPuDQ' '_GmjFcAKfOJlacyq3hbDop9',),
    ),
    token(
        'teams-webhook-url', 'Microsoft Teams incoming webhook URL',
        r'(https://[a-z0-9\-]+\.webhook\.office\.com/webhookb2/[a-f0-9\-]{36}@[a-f0-9\-]{36}/IncomingWebhook/[a-f0-9]{32}/[a-f0-9\-]{36}(?:/[A-Za-z0-9_\-]+)?)',
        ('webhook.office.com',),
        true=(
            'https://acme.webhook.office.com/webhookb2/4c8808a0-f788-1e38'
            '-89dd-8b7e49b3becb@c426e9e1-db68-ad44-e6'
            '01-8783c8bd26bf/IncomingWebhook/9adfcaeb5db5747ed074bd18ce6f'
            '36a9/9bcce80d-0fa5-e941-0d75-6cc322d08c61',
        ),
        false=('https://acme.webhook.' 'office.com/webhookb2/',),
    ),
    keyed(
        'mattermost-token', 'Mattermost access token',
        ('mattermost',), r'[a-z0-9]{26}',
        true=(
            'MATTERMOST_API_KEY = "2g' '0hoq4q852tn12aiuhykiguhz"',
            'mattermost_token: bx6m' '95094m6gnncqbg9navdbw3',
        ),
        false=(
            'request_id = "4d48gz' '0tucn24trn8nxssptg2a"',
            'mattermost_key =' ' "6n5p86a94rgeu"',
        ),
    ),
    keyed(
        'twitch-token', 'Twitch API token',
        ('twitch',), r'[a-z0-9]{30}',
        true=(
            'TWITCH_API_KEY = "ux81bg' 'twu5ktp85mqqzoyzy2fk2i9w"',
            'twitch_token: j5b7pwhy' 'mr8p8pgruhi8nacc2eohht',
        ),
        false=(
            'request_id = "zf79fvi9' 'zuh0ojplpc2rvjq4j3dzo8"',
            'twitch_key = "w' '5ddod58kzeh9d6"',
        ),
    ),
    token(
        'twitter-bearer-token', 'X (Twitter) bearer token',
        r'\b(A{20,}[A-Za-z0-9%]{80,})',
        ('aaaaaaaaaaaaaaaaaaaa',),
        true=(
            'AAAAAAAAAAAAAAAAAAAAAneRdDQ5jH4TWvxeOrwYbjMHp1AR4yTNsfY'
            'tHqTBzmeXsdn1rJTvbReRJv3nlZaxOx7sN1mtVAiU66wTqMPVoKL8M1I',
        ),
        false=('AAAAAAAAAAAAAAAAAAAA' 'AknRNDXwbYgh5lL2hI0fw',),
    ),
    keyed(
        'twitter-api-secret', 'X (Twitter) API secret',
        ('twitter', 'x_api'), r'[A-Za-z0-9]{50}',
        true=(
            'TWITTER_API_KEY = "VD9Wnsh0MBg1fR3O' 'sDnbQDjZ94axSmZrs6uo5YoN9TJPSkAURM"',
            'twitter_token: SicsQuoacv3MJvLcB' '2SB986yfnAfH9l2etNWda750Lec8pfBxz',
        ),
        false=(
            'request_id = "S0brVimm0SvQUbIirc' 'wK6D3ug03ty3jrXqF2GBaatj8hFAXPOl"',
            'twitter_key = "sL1eE' 'SjVZqXDcGudS7pGJS6Bi"',
        ),
    ),
    token(
        'facebook-access-token', 'Facebook / Meta access token',
        r'\b(EAA[A-Za-z0-9]{90,})',
        ('eaa',),
        true=(
            'EAAqLFFeM6yq1zc3iNrfG19DNI5gjkeiRCXdcjAKqWAof6dXpAAsH4eVpIYWFVheK1oBOuj'
            'eXhhxcbMAa76Za8FVTnvsqORxEgKk1KAF0zZ80gLyI95Qv574zr66NrWfhx8jXBKd9AVYvw6',
        ),
        false=('EAAFXVClVNxQvA34' 'ymEIlyUjRDbqRcJcS',),
        entropy=4.0,
    ),
    keyed(
        'facebook-app-secret', 'Facebook app secret',
        ('facebook', 'fb_app', 'meta_app'), r'[a-f0-9]{32}',
        true=(
            'FACEBOOK_API_KEY = "e10a47' '69b73bb644f97083aab8ec0d34"',
            'facebook_token: 247ae5ff' '415e509171e1866cb3674fc1',
        ),
        false=(
            'request_id = "c52898576' 'c8c8c874f5b2d72713f6d3f"',
            'facebook_key = "' '9cad74480079a4d8"',
        ),
    ),
    token(
        'instagram-access-token', 'Instagram access token',
        r'\b(IGQ[VW][A-Za-z0-9_\-]{100,})',
        ('igqv', 'igqw'),
        true=(
            'IGQVPO4XNNmo1lJ5g24cghYC1hwatOKh47wx_1l2cQs1Crk2E6JqyenOQpnw'
            'ZnIoRImPFnNHjdUss8jQjU'
            '042zcAYIjyK8J7jIqQIp-uaZxPR7hWMBTjvfsp998qVSDk_xER84_Q8VGpe7'
            'hpmdjzG-xeScgxilZAzIAP',
        ),
        false=('IGQV3UquZyqyKsAxP' 'TTDKPNewODc6lw4Uq',),
    ),
    keyed(
        'linkedin-client-secret', 'LinkedIn client secret',
        ('linkedin',), r'[A-Za-z0-9]{16}',
        true=('LINKEDIN_API_KEY =' ' "DLhMLANPwV0ZFgCk"', 'linkedin_token: ' 'vvhjCUhq3kejR43Q',),
        false=('request_id = "5' 'ish9nFUVwJWd8UA"', 'linkedin_key' ' = "7pSdOuII"',),
    ),
    keyed(
        'zoom-client-secret', 'Zoom OAuth client secret',
        ('zoom',), r'[A-Za-z0-9]{32}',
        true=(
            'ZOOM_API_KEY = "kl2Mi5On' 'deWCwqtJMGBTHsA2RWTbY9ZY"',
            'zoom_token: BSitGvxem1' '7IOAvwlhmISjlJxPN0C8s1',
        ),
        false=(
            'request_id = "eUISbOVr5' 'd0Q2BHR8bslVXA7jacdR2yH"',
            'zoom_key = "pS' 'ig6hFYY7rgPo5l"',
        ),
    ),
    keyed(
        'line-channel-secret', 'LINE channel secret',
        ('line_channel', 'linebot'), r'[a-f0-9]{32}',
        true=(
            'LINE_CHANNEL_API_KEY = "c0ea' '9f9b5f5c94f1207d37a302920efa"',
            'line_channel_token: 26fec5' '15d338f784642b2fc5f0525415',
        ),
        false=(
            'request_id = "a91ede75b' '3167d9d0ba512f069e469ec"',
            'line_channel_key =' ' "1aa96383fd495535"',
        ),
    ),
    keyed(
        'gitter-token', 'Gitter access token',
        ('gitter',), r'[a-z0-9_\-]{40}',
        true=(
            'GITTER_API_KEY = "jg374pwwz1i' 'qenj5h942mj1r6f3ntfr278ojnhsh"',
            'gitter_token: vnlkjh8wdg2qs' 'ey1hv1hpa39jcuxzpif0wq5o7lf',
        ),
        false=(
            'request_id = "dfdldkmjp4iz1' 'dl6nq0lqwcva5uxj3aj94az3ryi"',
            'gitter_key = "vqj' '0gb4ia6dngpk1o4sh"',
        ),
    ),
    keyed(
        'intercom-token', 'Intercom access token',
        ('intercom',), r'dG9rOj[A-Za-z0-9+/_\-]{40,}={0,2}',
        true=(
            'INTERCOM_API_KEY = "dG9rOjIxr3zpEjgfMdP' 'cLRpEILfGTHj3OrszYCIMficHY0eEx7yNHFUt="',
            'intercom_token: dG9rOj/ltZt66hUZ9Txx' 'ccjr7i3KaGV8lgzddeBT7aRaxSgq9KNFvhOh=',
        ),
        false=(
            'request_id = "dG9rOjalz2oFdrCW0kL5jv' 'F2a4Itn4r+3ClwToQYW9EHAKO+LJo2DAU4="',
            'intercom_key = "dG9rOjey' 'X8BEK7lfW7DcbcfZHji7AJJ="',
        ),
    ),
    keyed(
        'zendesk-api-token', 'Zendesk API token',
        ('zendesk',), r'[A-Za-z0-9]{40}',
        true=(
            'ZENDESK_API_KEY = "P7wdhZ9zIWe' 'XDluFhSVm6Ya5yRx84zw8GtBq4Yu5"',
            'zendesk_token: PhtMlyEqxkuS' 'ioiOo3kpihsj4cJ9IoeSBcYoUvKy',
        ),
        false=(
            'request_id = "fY5q4pTYzGHIV' 'Z06n0zIARtj6bur4T9D6Y1rsryT"',
            'zendesk_key = "M89' 'jHEL6XVOWVsb6xbd0"',
        ),
    ),
    keyed(
        'freshdesk-api-key', 'Freshdesk API key',
        ('freshdesk',), r'[A-Za-z0-9]{20}',
        true=(
            'FRESHDESK_API_KEY = "' 'CprGJ1Ky9cqi0OsZ9ap9"',
            'freshdesk_token: c' 'aRU6CT80P0nOcJqzmwN',
        ),
        false=('request_id = "NxL' 'dwJWnepCkoxypJc4Y"', 'freshdesk_key ' '= "KheI4jcCjj"',),
    ),
    keyed(
        'pusher-secret', 'Pusher Channels app secret',
        ('pusher',), r'[a-f0-9]{20}',
        true=(
            'PUSHER_API_KEY = "1' '04adc13a4bd1c7e5713"',
            'pusher_token: 03c' '3d826c05bb83c2a3f',
        ),
        false=('request_id = "3a4' '6214450a2013a92d5"', 'pusher_key =' ' "652aefa24b"',),
    ),
    token(
        'ably-api-key', 'Ably API key',
        r'''(?i)ably[_\-](?:api[_\-]?)?(?:key|token)[\w.\-]{0,20}[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{6}:[A-Za-z0-9_\-]{43})''',
        ('ably_key', 'ably-key', 'ably_api', 'ably-api', 'ably_token'),
        true=('ABLY_KEY="CtTMlx.Rv0KT9:nx2Jr4BYDK' 'HwZeAWmyHEhbkb7PbmJmNUExNk6rhANlm"',),
        false=('ABLY_KEY="CZdE32.' 'vpiwVC:-5F6oQxq1l"',),
    ),
    keyed(
        'sendbird-token', 'Sendbird API token',
        ('sendbird',), r'[a-f0-9]{40}',
        true=(
            'SENDBIRD_API_KEY = "c95c3804fb' '045e4c3d47eca1533134184d8fe7dc"',
            'sendbird_token: 208735c74182' '35fdf623aedbe9ba44275293a524',
        ),
        false=(
            'request_id = "f3e25c9ab9177' '5907d9fae3d157cc8314433e1f4"',
            'sendbird_key = "c6' 'd334c0df9185aff155"',
        ),
    ),
    keyed(
        'stream-chat-secret', 'Stream (getstream.io) API secret',
        ('getstream', 'stream_secret', 'stream_api_secret'), r'[a-z0-9]{64}',
        true=(
            'GETSTREAM_API_KEY = "j5ao28levjkik8b4z4vy1h'
            'c8h9f43ale5839uiux94snzefzl1fgyg11lnfacffq"',
            'getstream_token: q9skcn5nfx0ezlt3ad7egug'
            '5njfhz2k3i9lhdtockrb8wy10ncb957p1flh4o20u',
        ),
        false=(
            'request_id = "lsngz9dz9xajdou6jc9zmrvnl' 'ea0xg5ex60ocxae4pqnyb62irb3ajlpbl76gh4v"',
            'getstream_key = "ucwjnw6i' 't8erawjz9jhxxw64exb08bgb"',
        ),
    ),
)
