import pytest

from orders.portal.choices import Platform
from orders.portal.useragent import platform_from_user_agent

IOS_17_4 = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
IOS_17_3 = IOS_17_4.replace("17_4", "17_3").replace("17.4", "17.3")
IOS_18 = IOS_17_4.replace("17_4", "18_1").replace("17.4", "18.1")
IOS_CHROME = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
)
DESKTOP = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Safari/605.1.15"
)


@pytest.mark.parametrize("agent", [IOS_17_4, IOS_18, IOS_CHROME])
def test_ios_from_17_4_gets_one_tap(agent):
    assert platform_from_user_agent(agent) == Platform.IOS_ONE_TAP


def test_ios_before_17_4_gets_no_one_tap():
    assert platform_from_user_agent(IOS_17_3) == Platform.IOS


def test_android_is_recognised():
    assert platform_from_user_agent(ANDROID) == Platform.ANDROID


@pytest.mark.parametrize("agent", [DESKTOP, MAC, "", "curl/8.0"])
def test_desktops_and_unknown_agents_get_no_one_tap(agent):
    assert platform_from_user_agent(agent) == Platform.OTHER
