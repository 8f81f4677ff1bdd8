from django.apps import AppConfig


class CoreesimConfig(AppConfig):
    name = "coreesim"
    verbose_name = "CoreESIM"
