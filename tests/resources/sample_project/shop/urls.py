from django.urls import path

from shop import views

urlpatterns = [
    path("", views.home),
    path("cart/", views.cart),
    path("cart/add/", views.add_to_cart),
    path("checkout/", views.checkout),
    path("account/", views.account),
    path("export/", views.start_export),
    path("export/status/", views.export_status),
    path("export/page/", views.export_page),
]
