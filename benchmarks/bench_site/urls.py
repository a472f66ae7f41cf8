from demo_site.urls import urlpatterns as site_urlpatterns
from django.urls import path

from . import views

urlpatterns = [path("bench/insert/", views.insert, name="bench_insert"), *site_urlpatterns]
