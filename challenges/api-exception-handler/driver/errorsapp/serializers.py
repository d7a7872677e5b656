"""An order serializer with nested, many=True and list fields, to produce real nested validation errors."""

from rest_framework import serializers


class AddressSerializer(serializers.Serializer):
    city = serializers.CharField(max_length=20)
    zip = serializers.RegexField(r"^\d{5}$")

    def validate(self, data):
        if data["city"].lower() == "nowhere":
            raise serializers.ValidationError("We do not deliver there.")
        return data


class LineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=3)
    qty = serializers.IntegerField(min_value=1)


class OrderSerializer(serializers.Serializer):
    email = serializers.EmailField()
    address = AddressSerializer()
    lines = LineSerializer(many=True)
    tags = serializers.ListField(child=serializers.IntegerField(), required=False)

    def validate(self, data):
        if data.get("email", "").endswith("@example.invalid"):
            raise serializers.ValidationError("Orders from this domain are closed.")
        return data
