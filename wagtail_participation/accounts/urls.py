from django.urls import path

from . import privacy_views, views

app_name = "participation_accounts"

urlpatterns = [
    path("signup/", views.signup_view, name="signup"),
    path("signup/done/", views.signup_done_view, name="signup_done"),
    path("confirm/<uidb64>/<token>/", views.confirm_email_view, name="confirm_email"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/reset/", views.password_reset_view, name="password_reset"),
    path("password/reset/done/", views.password_reset_done_view, name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.password_reset_confirm_view,
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.password_reset_complete_view,
        name="password_reset_complete",
    ),
    path("profile/", views.profile_view, name="profile"),
    path("profile/participation/", views.my_participation_view, name="my_participation"),
    path("report/<uuid:public_id>/", views.report_account_view, name="report_account"),
    path("report/done/", views.report_done_view, name="report_done"),
    path("profile/data/", privacy_views.data_export_view, name="data_export"),
    path(
        "profile/data/<str:token>/",
        privacy_views.data_export_download_view,
        name="data_export_download",
    ),
    path("profile/delete/", privacy_views.delete_account_view, name="delete_account"),
    path("deleted/", privacy_views.account_deleted_view, name="account_deleted"),
]
