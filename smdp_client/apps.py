from django.apps import AppConfig


class SmdpClientConfig(AppConfig):
    name = "smdp_client"
